package dataset

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// createdBy names the writer in each file's footer, in the
// "<application> version <version>" form that parquet-java's
// VersionParser reads (readers that cannot parse it distrust string
// statistics).
const createdBy = "cfwatch version 1"

// fileSchema returns the footer's schema: the elements parquet-go writes
// for Row, taken from an empty file it wrote, so that types, logical types
// and repetition are parquet-go's and match what Reader and DDL expect.
// Made on first use rather than at start-up (0.4 ms of a Lambda's cold
// start otherwise).
var fileSchema = sync.OnceValue(func() []format.SchemaElement {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[Row](&buf, schema)
	if err := w.Close(); err != nil {
		panic(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		panic(err)
	}
	return f.Metadata().Schema
})

const magic = "PAR1"

// A fileWriter lays out a Parquet file: the magic, each row group's column
// chunks in column order, the page index (every column index, then every
// offset index) and the footer.
type fileWriter struct {
	w      *bufio.Writer
	offset int64
	groups []format.RowGroup
	chunks [][]chunkMeta // per row group, per column
}

func newFileWriter(w io.Writer) *fileWriter {
	f := &fileWriter{w: bufio.NewWriterSize(w, 256<<10)}
	f.write([]byte(magic)) // buffered: an error shows at the first flush
	return f
}

func (f *fileWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.offset += int64(n)
	return n, err
}

func (f *fileWriter) write(p []byte) error {
	_, err := f.Write(p)
	return err
}

// writeRowGroup writes the columns' chunks as a row group of rows rows.
func (f *fileWriter) writeRowGroup(cols []*columnWriter, rows int64) error {
	g := format.RowGroup{NumRows: rows, FileOffset: f.offset, Ordinal: int16(len(f.groups))}
	metas := make([]chunkMeta, len(cols))
	for c, cw := range cols {
		m, err := cw.writeChunk(f, f.offset)
		if err != nil {
			return err
		}
		if m.chunk.MetaData.NumValues != rows {
			return fmt.Errorf("column %s has %d values in a row group of %d rows", colNames[c], m.chunk.MetaData.NumValues, rows)
		}
		g.Columns = append(g.Columns, m.chunk)
		g.TotalByteSize += m.chunk.MetaData.TotalUncompressedSize
		g.TotalCompressedSize += m.chunk.MetaData.TotalCompressedSize
		metas[c] = m
	}
	f.groups = append(f.groups, g)
	f.chunks = append(f.chunks, metas)
	return nil
}

// close writes the page index and the footer, and flushes.
func (f *fileWriter) close() error {
	enc := thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(f))
	for g := range f.groups {
		for c := range f.chunks[g] {
			cc := &f.groups[g].Columns[c]
			cc.ColumnIndexOffset = f.offset
			if err := enc.Encode(&f.chunks[g][c].index); err != nil {
				return fmt.Errorf("column index: %w", err)
			}
			cc.ColumnIndexLength = int32(f.offset - cc.ColumnIndexOffset)
		}
	}
	var rows int64
	for g := range f.groups {
		for c := range f.chunks[g] {
			cc := &f.groups[g].Columns[c]
			cc.OffsetIndexOffset = f.offset
			if err := enc.Encode(&f.chunks[g][c].offset); err != nil {
				return fmt.Errorf("offset index: %w", err)
			}
			cc.OffsetIndexLength = int32(f.offset - cc.OffsetIndexOffset)
		}
		rows += f.groups[g].NumRows
	}
	orders := make([]format.ColumnOrder, numColumns)
	for i := range orders {
		orders[i].Value = &format.TypeDefinedOrder{}
	}
	md := format.FileMetaData{
		Version:          2,
		Schema:           fileSchema(),
		NumRows:          rows,
		RowGroups:        f.groups,
		KeyValueMetadata: []format.KeyValue{{Key: "cfwatch.dataset", Value: SchemaVersion}},
		CreatedBy:        createdBy,
		ColumnOrders:     orders,
	}
	start := f.offset
	if err := enc.Encode(&md); err != nil {
		return fmt.Errorf("footer: %w", err)
	}
	if err := f.write(binary.LittleEndian.AppendUint32(nil, uint32(f.offset-start))); err != nil {
		return err
	}
	if err := f.write([]byte(magic)); err != nil {
		return err
	}
	return f.w.Flush()
}
