package dataset

import (
	"fmt"
	"io"
	"math"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// parquetGoEncoder is EncoderParquetGo: the batch's columns go to
// parquet-go's GenericWriter[Row] as parquet.Values, column by column
// (the writer of this package before it encoded its own pages; see
// doc.go, "Speed"). The schema, the tags' encodings (dict, uncompressed),
// the logical types, zstd's level, the dictionary limit, the page size
// and the key/value metadata are the native encoder's; Writer decides
// the row groups for both.
type parquetGoEncoder struct {
	pw         *parquet.GenericWriter[Row]
	cols       []*parquet.ColumnWriter // the current row group's; changed only while the workers are idle
	conv       [numColumns]*converter  // column c's worker's converter
	decodes    [numColumns]decodeCache // kindDecoded columns: their decoded values
	groupStart int64                   // pw.Size() when the current row group began
}

func newParquetGoEncoder(w io.Writer, opts Options) *parquetGoEncoder {
	pw := parquet.NewGenericWriter[Row](w, parquetGoOptions(opts)...)
	return &parquetGoEncoder{pw: pw, cols: pw.ColumnWriters()}
}

// parquetGoOptions are the parquet-go options that make its files the
// native encoder's: data pages v1; PLAIN strings where the schema asks no
// dictionary (parquet-go would pick DELTA_LENGTH_BYTE_ARRAY); INT64 as
// DELTA_BINARY_PACKED; the column index's strings cut at 64 bytes; the
// page headers' statistics left out (the column index holds them).
func parquetGoOptions(opts Options) []parquet.WriterOption {
	codec := &codecs[zstd.SpeedFastest]
	if l := int(opts.CompressionLevel); l > 0 && l < len(codecs) {
		codec = &codecs[l]
	}
	o := []parquet.WriterOption{
		schema,
		parquet.Compression(codec),
		parquet.PageBufferSize(opts.PageBytes),
		parquet.WriteBufferSize(256 << 10),
		parquet.DataPageVersion(1),
		parquet.DataPageStatistics(false),
		parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain),
		parquet.DefaultEncodingFor(parquet.Int64, &parquet.DeltaBinaryPacked),
		parquet.DictionaryMaxBytes(int64(opts.DictionaryBytes)),
		parquet.ColumnIndexSizeLimit(func([]string) int { return columnIndexLimit }),
		parquet.KeyValueMetadata("cfwatch.dataset", SchemaVersion),
		// "cfwatch version 1 (build parquet-go)", createdBy's form that
		// parquet-java's VersionParser reads (parquet-go puts no space
		// before the build).
		parquet.CreatedBy("cfwatch", "1 ", "parquet-go"),
	}
	for _, name := range colNames {
		o = append(o, parquet.SkipPageStatistics(name))
	}
	return o
}

// assign gives the worker's columns one converter, its scratch space.
func (e *parquetGoEncoder) assign(cols []int) {
	cv := newConverter()
	for _, c := range cols {
		e.conv[c] = cv
	}
}

// parquet-go can panic where it meets what it did not expect; the
// fallback must not take the process down with it, so its calls turn a
// panic into the error of the file being written.

func (e *parquetGoEncoder) writeColumn(c int, b *batch) (err error) {
	defer recoverTo(&err)
	_, err = e.cols[c].WriteRowValues(e.conv[c].column(b, c, &e.decodes[c]))
	return err
}

func (e *parquetGoEncoder) flushColumn(c int) (err error) {
	defer recoverTo(&err)
	return e.cols[c].Flush()
}

func (e *parquetGoEncoder) buffered() int64 { return e.pw.Size() - e.groupStart }

func (e *parquetGoEncoder) writeRowGroup(int64) (err error) {
	defer recoverTo(&err)
	if err := e.pw.Flush(); err != nil {
		return err
	}
	e.groupStart = e.pw.Size()
	e.cols = e.pw.ColumnWriters()
	return nil
}

func (e *parquetGoEncoder) close() (err error) {
	defer recoverTo(&err)
	return e.pw.Close()
}

// recoverTo turns a panic into *err.
func recoverTo(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("parquet-go: %v", r)
	}
}

// A converter turns a batch's column into parquet-go values, NULLs
// included. Each column worker has its own, for its scratch space.
type converter struct {
	vals []parquet.Value // one column of a batch
	text []byte          // the column's formatted values: clock strings, addresses
}

func newConverter() *converter {
	return &converter{vals: make([]parquet.Value, batchRows), text: make([]byte, 0, 8*batchRows)}
}

// column returns column c of b as parquet-go values, valid until the next
// call; dec is the column's cache of decoded values (kindDecoded). The
// values are the native encoder's (column.go): strings as the batch holds
// them, "" as NULL; c_ip formatted; the decoded columns decoded from
// their source column; date, time and request_time from the milliseconds.
func (cv *converter) column(b *batch, c int, dec *decodeCache) []parquet.Value {
	n := b.n
	out := cv.vals[:n]
	cv.text = cv.text[:0]
	switch columnKinds[c] {
	case kindString, kindDecoded:
		src := c
		if columnKinds[c] == kindDecoded {
			src = decodedFrom[c]
		}
		if !b.used[src] {
			for i := range out {
				out[i] = nullValue(c)
			}
			return out
		}
		for i, s := range b.str[src][:n] {
			if s == "" {
				out[i] = nullValue(c)
				continue
			}
			if src != c {
				s = dec.decode(s)
			}
			out[i] = present(parquet.ByteArrayValue(bytesOf(s)), c)
		}
	case kindAddr:
		for i, a := range b.ip[:n] {
			if !a.IsValid() {
				out[i] = nullValue(c)
				continue
			}
			start := len(cv.text)
			cv.text = a.AppendTo(cv.text)
			out[i] = present(parquet.ByteArrayValue(cv.text[start:len(cv.text):len(cv.text)]), c)
		}
	case kindInt64, kindInt32, kindFloat:
		bit := uint64(1) << c
		for i, x := range b.num[c][:n] {
			if b.has[i]&bit == 0 {
				out[i] = nullValue(c)
				continue
			}
			var v parquet.Value
			switch columnKinds[c] {
			case kindInt64:
				v = parquet.Int64Value(int64(x))
			case kindInt32:
				v = parquet.Int32Value(int32(x))
			default:
				v = parquet.FloatValue(math.Float32frombits(uint32(x)))
			}
			if columnSpecs[c].optional {
				out[i] = present(v, c)
			} else {
				out[i] = v.Level(0, 0, c)
			}
		}
	case kindTime:
		ms := b.ms[:n]
		switch c {
		case colDate:
			for i, t := range ms {
				out[i] = parquet.Int32Value(int32(floorDiv(t, 86_400_000))).Level(0, 0, c)
			}
		case colRequestTime:
			for i, t := range ms {
				out[i] = parquet.Int64Value(t).Level(0, 0, c)
			}
		case colTime:
			// Records come in time order: one string per second.
			var last int64
			var clock []byte
			for i, t := range ms {
				if sec := floorDiv(t, 1000); clock == nil || sec != last {
					start := len(cv.text)
					cv.text = appendClock(cv.text, sec)
					last, clock = sec, cv.text[start:len(cv.text):len(cv.text)]
				}
				out[i] = parquet.ByteArrayValue(clock).Level(0, 0, c)
			}
		}
	default:
		panic(fmt.Sprintf("dataset: column %s of kind %d", colNames[c], columnKinds[c]))
	}
	return out
}

// nullValue is a NULL of column c.
func nullValue(c int) parquet.Value { return parquet.Value{}.Level(0, 0, c) }

// present is x, a value of optional column c.
func present(x parquet.Value, c int) parquet.Value { return x.Level(0, 1, c) }

// bytesOf returns the bytes of s without copying them. parquet-go only
// reads the bytes of a value it is given (and copies them), never writes
// them, so the string's immutability holds.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
