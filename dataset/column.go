package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net/netip"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/cfwatch/cfwatch/logparse"
)

// This file encodes the dataset's column chunks: a column of a row group as
// Parquet pages, its dictionary, statistics and page index entries (the
// bounds and their truncation are in stats.go; doc.go maps the parts to
// parquet-format's sections). The schema is fixed (Row), so each column's
// layout is decided once (columnSpecs) and a column writer turns a batch's
// values straight into page bytes: no per-value interface, no boxed
// values. parquet-go still
// defines the schema, reads the files and provides the page encodings
// (RLE/bit-packing, DELTA_BINARY_PACKED), the Thrift structures and zstd;
// see doc.go ("Speed") for what this saved.

// How a column's values are encoded in its data pages.
type valueEncoding uint8

const (
	encPlain valueEncoding = iota
	encDict                // RLE_DICTIONARY indexes, a PLAIN dictionary page
	encDelta               // DELTA_BINARY_PACKED
)

// A columnSpec is a column's layout, from the schema's tags.
type columnSpec struct {
	kind     kind        // how a batch holds it
	phys     format.Type // ByteArray, Int32, Int64 or Float
	enc      valueEncoding
	optional bool
	compress bool // zstd; else uncompressed
	// bounds is the type min and max are kept in while pages fill: phys,
	// but for the time column, whose "HH:MM:SS" strings are kept as the
	// second of the day (the same order) and written as strings (clock).
	bounds format.Type
	clock  bool
	src    int // kindDecoded: the column decoded
}

var columnSpecs = func() (s [numColumns]columnSpec) {
	for c, f := range schema.Fields() {
		sp := columnSpec{kind: columnKinds[c], optional: f.Optional(), compress: true}
		switch f.Type().Kind() {
		case parquet.ByteArray:
			sp.phys = format.ByteArray
		case parquet.Int32:
			sp.phys = format.Int32
		case parquet.Int64:
			sp.phys = format.Int64
		case parquet.Float:
			sp.phys = format.Float
		default:
			panic(fmt.Sprintf("dataset: column %s has type %s", f.Name(), f.Type()))
		}
		switch e := f.Encoding(); {
		case e != nil && e.Encoding() == format.RLEDictionary:
			sp.enc = encDict
		case sp.phys == format.Int64:
			sp.enc = encDelta
		}
		if cc := f.Compression(); cc != nil && cc.CompressionCodec() == format.Uncompressed {
			sp.compress = false
		}
		sp.bounds = sp.phys
		sp.src = decodedFrom[c]
		if c == colTime {
			sp.bounds, sp.clock = format.Int64, true
		}
		s[c] = sp
	}
	return s
}()

// A columnWriter encodes one column of the row group being written. One
// column worker owns it while the row group fills; the caller's goroutine
// writes its chunk out (writeChunk) once the workers are idle.
type columnWriter struct {
	col       int
	spec      columnSpec
	codec     *zstd.Codec // nil for an uncompressed column
	pageBytes int
	dictBytes int

	strDict   *stringDict // encDict strings
	intDict   *int32Dict  // encDict INT32: sc_status, date
	dictFull  bool        // the dictionary outgrew dictBytes: PLAIN pages until the chunk ends
	dictPages int         // data pages written with dictionary indexes
	seen      []uint32    // per dictionary entry: the last page it was in
	distinct  []int32     // the open page's dictionary entries

	// kindDecoded: source value → rawDict index → rawTo → strDict index,
	// so each distinct value is decoded once; decodes once strDict is full.
	rawDict *stringDict
	rawTo   []int32
	decodes decodeCache
	// kindAddr: address → strDict index, so each distinct address is
	// formatted once; the last one is checked before the map.
	addrs    map[netip.Addr]int32
	lastAddr netip.Addr
	lastIdx  int32
	haveLast bool
	text     []byte // an address as text

	// The open page.
	rows, nulls, size int
	levels            []byte  // definition levels (optional columns), one per row
	idx               []int32 // encDict: indexes
	ints              []int64 // encDelta: values
	plain             []byte  // PLAIN values
	pb                bounds
	pageNo            uint32
	lastSec           int64 // the time column: the Unix second clock holds
	daySec            int64 // and its second of the day
	clock             []byte

	// The column chunk: pages written so far.
	pages      chunkBuf
	chunkRows  int64
	unc, comp  int64 // data pages, headers included
	plainPages int
	deltaPages int
	cb         bounds
	nullCount  int64
	index      format.ColumnIndex
	locs       []format.PageLocation // offsets from the first data page

	buf *pageBuffers // shared by the columns of one worker
}

// pageBuffers are the scratch space of writing a page out: encoded values,
// the page body, its compressed form and its header. A column uses them
// only within flushPage and writeChunk, so the columns of one worker share
// one set (assigned by NewWriter) rather than each growing its own: ingest
// opens a Writer per hour of a log, and per-column scratch was most of a
// Writer's allocations.
type pageBuffers struct {
	body, scratch, out []byte
	hdr                bytes.Buffer
	enc                *thrift.Encoder
}

func newPageBuffers() *pageBuffers {
	b := new(pageBuffers)
	b.enc = thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&b.hdr))
	return b
}

func newColumnWriter(c int, opts Options) *columnWriter {
	cw := &columnWriter{
		col:       c,
		spec:      columnSpecs[c],
		pageBytes: opts.PageBytes,
		dictBytes: opts.DictionaryBytes,
		pageNo:    1,
		lastSec:   math.MinInt64,
	}
	if cw.spec.compress {
		cw.codec = &codecs[zstd.SpeedFastest]
		if l := int(opts.CompressionLevel); l > 0 && l < len(codecs) {
			cw.codec = &codecs[l]
		}
	}
	if cw.spec.enc == encDict {
		if cw.spec.phys == format.ByteArray {
			cw.strDict = newStringDict()
		} else {
			cw.intDict = newInt32Dict()
		}
	}
	switch cw.spec.kind {
	case kindDecoded:
		cw.rawDict = newStringDict()
	case kindAddr:
		cw.addrs = make(map[netip.Addr]int32)
	}
	return cw
}

// dictionary returns the column's dictionary size in entries and bytes.
func (cw *columnWriter) dictionary() (n, size int) {
	switch {
	case cw.strDict != nil:
		return cw.strDict.len(), cw.strDict.bytes
	case cw.intDict != nil:
		return cw.intDict.len(), 4 * cw.intDict.len()
	}
	return 0, 0
}

// usesDict reports whether the open page takes dictionary indexes.
func (cw *columnWriter) usesDict() bool { return cw.spec.enc == encDict && !cw.dictFull }

// buffered is the chunk's size so far: pages, the open page, the dictionary.
func (cw *columnWriter) buffered() int64 {
	_, d := cw.dictionary()
	return int64(cw.pages.n + cw.size + d)
}

// write appends column cw.col of the batch's rows to the chunk.
func (cw *columnWriter) write(b *batch) error {
	if cw.spec.enc == encDict && !cw.dictFull {
		if _, size := cw.dictionary(); size > cw.dictBytes {
			if err := cw.endDict(); err != nil {
				return err
			}
		}
	}
	c, n := cw.col, b.n
	switch cw.spec.kind {
	case kindString:
		if !b.used[c] {
			return cw.writeNulls(n)
		}
		return cw.writeStrings(b.str[c][:n])
	case kindInt64, kindInt32, kindFloat:
		return cw.writeNumbers(b.num[c][:n], b.has[:n])
	case kindDecoded:
		if !b.used[cw.spec.src] {
			return cw.writeNulls(n)
		}
		return cw.writeDecoded(b.str[cw.spec.src][:n])
	case kindAddr:
		return cw.writeAddrs(b.ip[:n])
	}
	return cw.writeTimes(b.ms[:b.n])
}

// room makes room for the next row: once the open page has reached its
// size, it is written out.
func (cw *columnWriter) room() error {
	if cw.size >= cw.pageBytes {
		return cw.flushPage()
	}
	return nil
}

func (cw *columnWriter) null() {
	cw.levels = append(cw.levels, 0)
	cw.rows++
	cw.nulls++
	cw.size++
}

// value counts a present value of size bytes in the open page.
func (cw *columnWriter) value(size int) {
	if cw.spec.optional {
		cw.levels = append(cw.levels, 1)
		size++
	}
	cw.rows++
	cw.size += size
}

func (cw *columnWriter) writeNulls(n int) error {
	for range n {
		if err := cw.room(); err != nil {
			return err
		}
		cw.null()
	}
	return nil
}

func (cw *columnWriter) writeStrings(vals []string) error {
	dict := cw.usesDict()
	for _, s := range vals {
		if err := cw.room(); err != nil {
			return err
		}
		switch {
		case s == "":
			cw.null()
		case dict:
			cw.dictIndex(cw.strDict.index(s))
			if cw.strDict.bytes > cw.dictBytes {
				if err := cw.endDict(); err != nil {
					return err
				}
				dict = false
			}
		default:
			cw.plainString(s)
		}
	}
	return nil
}

// endDict ends dictionary encoding for the rest of the chunk: past
// dictBytes the dictionary no longer pays, and PLAIN pages follow. It is
// checked after each new value too, so that a batch of long values (lines
// near the 1 MiB limit) cannot grow a dictionary far past its bound.
func (cw *columnWriter) endDict() error {
	if err := cw.flushPage(); err != nil {
		return err
	}
	cw.dictFull = true
	cw.dropKeys()
	return nil
}

func (cw *columnWriter) plainString(s string) {
	cw.plain = binary.LittleEndian.AppendUint32(cw.plain, uint32(len(s)))
	cw.plain = append(cw.plain, s...)
	cw.pb.addString(s)
	cw.value(4 + len(s))
}

// writeDecoded writes a decoded column from its source column's values.
func (cw *columnWriter) writeDecoded(raw []string) error {
	dict := cw.usesDict()
	for _, s := range raw {
		if err := cw.room(); err != nil {
			return err
		}
		switch {
		case s == "":
			cw.null()
		case dict:
			r := cw.rawDict.index(s)
			if int(r) == len(cw.rawTo) {
				cw.rawTo = append(cw.rawTo, cw.strDict.index(validDecoded(logparse.Decode(s))))
			}
			cw.dictIndex(cw.rawTo[r])
			if cw.strDict.bytes > cw.dictBytes || cw.rawDict.bytes > cw.dictBytes {
				if err := cw.endDict(); err != nil {
					return err
				}
				dict = false
			}
		default:
			cw.plainString(cw.decodes.decode(s))
		}
	}
	return nil
}

// writeAddrs writes c_ip, addresses as text.
func (cw *columnWriter) writeAddrs(ips []netip.Addr) error {
	dict := cw.usesDict()
	for _, a := range ips {
		if err := cw.room(); err != nil {
			return err
		}
		switch {
		case !a.IsValid():
			cw.null()
		case dict:
			if !cw.haveLast || a != cw.lastAddr {
				i, ok := cw.addrs[a]
				if !ok {
					cw.text = a.AppendTo(cw.text[:0])
					i = cw.strDict.index(string(cw.text))
					cw.addrs[a] = i
				}
				cw.lastAddr, cw.lastIdx, cw.haveLast = a, i, true
			}
			cw.dictIndex(cw.lastIdx)
		default:
			cw.text = a.AppendTo(cw.text[:0])
			cw.plainString(unsafe.String(unsafe.SliceData(cw.text), len(cw.text)))
		}
	}
	return nil
}

// dropKeys empties the maps from source values to dictionary indexes.
func (cw *columnWriter) dropKeys() {
	if cw.rawDict != nil {
		cw.rawDict.reset()
		cw.rawTo = cw.rawTo[:0]
	}
	clear(cw.addrs)
	cw.haveLast = false
}

// dictIndex adds a value by its dictionary index, and notes the entry as
// one of the page's (its min and max are found among them).
func (cw *columnWriter) dictIndex(i int32) {
	if int(i) == len(cw.seen) {
		cw.seen = append(cw.seen, 0)
	}
	if cw.seen[i] != cw.pageNo {
		cw.seen[i] = cw.pageNo
		cw.distinct = append(cw.distinct, i)
	}
	cw.idx = append(cw.idx, i)
	cw.value(4)
}

func (cw *columnWriter) writeNumbers(vals []uint64, has []uint64) error {
	bit := uint64(1) << cw.col
	for i, x := range vals {
		if err := cw.room(); err != nil {
			return err
		}
		if has[i]&bit == 0 {
			cw.null()
			continue
		}
		switch {
		case cw.spec.enc == encDelta:
			cw.ints = append(cw.ints, int64(x))
			cw.pb.addInt(int64(x))
			cw.value(8)
		case cw.usesDict():
			cw.dictIndex(cw.intDict.index(int32(x)))
		case cw.spec.phys == format.Float:
			cw.plain = binary.LittleEndian.AppendUint32(cw.plain, uint32(x))
			cw.pb.addFloat(math.Float32frombits(uint32(x)))
			cw.value(4)
		default: // INT32
			cw.plain = binary.LittleEndian.AppendUint32(cw.plain, uint32(x))
			cw.pb.addInt(int64(int32(x)))
			cw.value(4)
		}
	}
	return nil
}

// writeTimes writes one of the three columns made from the request time:
// date (days, INT32), time ("HH:MM:SS", its bounds kept as the second of
// the day, which orders the same) and request_time (milliseconds, INT64).
func (cw *columnWriter) writeTimes(ms []int64) error {
	for _, t := range ms {
		if err := cw.room(); err != nil {
			return err
		}
		switch cw.col {
		case colDate:
			d := floorDiv(t, 86_400_000)
			if cw.usesDict() {
				cw.dictIndex(cw.intDict.index(int32(d)))
				continue
			}
			cw.plain = binary.LittleEndian.AppendUint32(cw.plain, uint32(int32(d)))
			cw.pb.addInt(d)
			cw.value(4)
		case colTime:
			// Records come in time order: one clock string per second.
			if sec := floorDiv(t, 1000); sec != cw.lastSec {
				cw.lastSec, cw.daySec = sec, sec-floorDiv(sec, 86400)*86400
				cw.clock = appendClock(cw.clock[:0], sec)
			}
			cw.plain = append(cw.plain, 8, 0, 0, 0)
			cw.plain = append(cw.plain, cw.clock...)
			cw.pb.addInt(cw.daySec)
			cw.value(12)
		default: // request_time
			cw.ints = append(cw.ints, t)
			cw.pb.addInt(t)
			cw.value(8)
		}
	}
	return nil
}

var (
	levelEncoding = rle.Encoding{BitWidth: 1}
	deltaEncoding delta.BinaryPackedEncoding
)

// flushPage encodes, compresses and appends the open page to the chunk.
func (cw *columnWriter) flushPage() error {
	if cw.rows == 0 {
		return nil
	}
	body := cw.buf.body[:0]
	var err error
	if cw.spec.optional {
		// Data page v1: the definition levels' length, then the levels.
		if cw.buf.scratch, err = levelEncoding.EncodeLevels(cw.buf.scratch, cw.levels); err != nil {
			return cw.errorf("definition levels: %w", err)
		}
		body = binary.LittleEndian.AppendUint32(body, uint32(len(cw.buf.scratch)))
		body = append(body, cw.buf.scratch...)
	}
	enc := format.Plain
	switch {
	case cw.usesDict():
		enc = format.RLEDictionary
		n, _ := cw.dictionary()
		width := max(1, bits.Len32(uint32(n-1)))
		ix := rle.Encoding{BitWidth: width}
		if cw.buf.scratch, err = ix.EncodeInt32(cw.buf.scratch, cw.idx); err != nil {
			return cw.errorf("dictionary indexes: %w", err)
		}
		body = append(body, byte(width))
		body = append(body, cw.buf.scratch...)
		cw.dictPages++
		cw.pageBoundsFromDict()
	case cw.spec.enc == encDelta:
		enc = format.DeltaBinaryPacked
		if cw.buf.scratch, err = deltaEncoding.EncodeInt64(cw.buf.scratch, cw.ints); err != nil {
			return cw.errorf("delta encoding: %w", err)
		}
		body = append(body, cw.buf.scratch...)
		cw.deltaPages++
	default:
		body = append(body, cw.plain...)
		cw.plainPages++
	}
	cw.buf.body = body

	hdr := format.PageHeader{
		Type:                 format.DataPage,
		UncompressedPageSize: int32(len(body)),
		DataPageHeader: thrift.New(format.DataPageHeader{
			NumValues:               int32(cw.rows),
			Encoding:                enc,
			DefinitionLevelEncoding: format.RLE,
			RepetitionLevelEncoding: format.RLE,
			// The page's null count; its min and max are in the page
			// index. (Statistics is always encoded: left zero it would
			// say the page has no nulls.)
			Statistics: format.Statistics{NullCount: int64(cw.nulls)},
		}),
	}
	size, err := cw.appendPage(&cw.pages, &hdr, body)
	if err != nil {
		return err
	}

	// The page index entry and the chunk's statistics.
	cw.locs = append(cw.locs, format.PageLocation{
		Offset:             int64(cw.pages.n - size),
		CompressedPageSize: int32(size),
		FirstRowIndex:      cw.chunkRows,
	})
	cw.index.NullCounts = append(cw.index.NullCounts, int64(cw.nulls))
	if cw.pb.ok {
		lo, hi := cw.pb.plain(&cw.spec)
		if cw.spec.phys == format.ByteArray {
			// Keep copies of the prefixes only: a slice of a long value
			// would keep all of it until the row group is written.
			if len(lo) > columnIndexLimit {
				lo = bytes.Clone(truncateMin(lo, columnIndexLimit))
			}
			if len(hi) > columnIndexLimit {
				hi = bytes.Clone(truncateMax(hi, columnIndexLimit))
			}
		}
		cw.index.NullPages = append(cw.index.NullPages, false)
		cw.index.MinValues = append(cw.index.MinValues, lo)
		cw.index.MaxValues = append(cw.index.MaxValues, hi)
		cw.cb.merge(&cw.pb, cw.spec.bounds)
	} else {
		cw.index.NullPages = append(cw.index.NullPages, true)
		cw.index.MinValues = append(cw.index.MinValues, []byte{})
		cw.index.MaxValues = append(cw.index.MaxValues, []byte{})
	}
	cw.chunkRows += int64(cw.rows)
	cw.nullCount += int64(cw.nulls)

	cw.rows, cw.nulls, cw.size = 0, 0, 0
	cw.levels, cw.idx, cw.ints, cw.plain = cw.levels[:0], cw.idx[:0], cw.ints[:0], cw.plain[:0]
	cw.distinct = cw.distinct[:0]
	cw.pb.ok = false
	cw.pageNo++
	return nil
}

// pageBoundsFromDict sets the open page's bounds from its dictionary
// entries: one comparison per distinct value rather than per row.
func (cw *columnWriter) pageBoundsFromDict() {
	for _, i := range cw.distinct {
		if cw.strDict != nil {
			cw.pb.addString(cw.strDict.vals[i])
		} else {
			cw.pb.addInt(int64(cw.intDict.vals[i]))
		}
	}
}

// appendPage compresses body and appends its header and the compressed
// bytes to buf; it returns the bytes appended and counts them in the
// chunk's sizes.
func (cw *columnWriter) appendPage(buf *chunkBuf, hdr *format.PageHeader, body []byte) (int, error) {
	out := body
	if cw.codec != nil {
		var err error
		if cw.buf.out, err = cw.codec.Encode(cw.buf.out, body); err != nil {
			return 0, cw.errorf("compressing a page: %w", err)
		}
		out = cw.buf.out
	}
	hdr.CompressedPageSize = int32(len(out))
	cw.buf.hdr.Reset()
	if err := cw.buf.enc.Encode(hdr); err != nil {
		return 0, cw.errorf("page header: %w", err)
	}
	buf.append(cw.buf.hdr.Bytes())
	buf.append(out)
	cw.unc += int64(cw.buf.hdr.Len() + len(body))
	cw.comp += int64(cw.buf.hdr.Len() + len(out))
	return cw.buf.hdr.Len() + len(out), nil
}

func (cw *columnWriter) errorf(format string, args ...any) error {
	return fmt.Errorf("column %s: "+format, append([]any{colNames[cw.col]}, args...)...)
}

// A chunkMeta is what the footer and the page index say about a written
// column chunk.
type chunkMeta struct {
	chunk  format.ColumnChunk
	index  format.ColumnIndex
	offset format.OffsetIndex
}

// writeChunk ends the column chunk: it writes the dictionary page, if any,
// and the data pages to w at file offset off, and returns their metadata.
// The writer is then empty, ready for the next row group.
func (cw *columnWriter) writeChunk(w io.Writer, off int64) (chunkMeta, error) {
	if err := cw.flushPage(); err != nil {
		return chunkMeta{}, err
	}
	var dictPage chunkBuf
	dictSize := 0
	if cw.spec.enc == encDict {
		n, _ := cw.dictionary()
		var plain []byte
		if cw.strDict != nil {
			plain = cw.strDict.appendPlain(cw.buf.body[:0])
		} else {
			plain = cw.intDict.appendPlain(cw.buf.body[:0])
		}
		cw.buf.body = plain
		hdr := format.PageHeader{
			Type:                 format.DictionaryPage,
			UncompressedPageSize: int32(len(plain)),
			DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{
				NumValues: int32(n),
				Encoding:  format.Plain,
			}),
		}
		var err error
		if dictSize, err = cw.appendPage(&dictPage, &hdr, plain); err != nil {
			return chunkMeta{}, err
		}
	}
	if err := dictPage.writeTo(w); err != nil {
		return chunkMeta{}, cw.errorf("%w", err)
	}
	if err := cw.pages.writeTo(w); err != nil {
		return chunkMeta{}, cw.errorf("%w", err)
	}

	dataOff := off + int64(dictSize)
	md := format.ColumnMetaData{
		Type:                  cw.spec.phys,
		Encoding:              cw.encodings(),
		PathInSchema:          []string{colNames[cw.col]},
		Codec:                 format.Uncompressed,
		NumValues:             cw.chunkRows,
		TotalUncompressedSize: cw.unc,
		TotalCompressedSize:   cw.comp,
		DataPageOffset:        dataOff,
		Statistics:            format.Statistics{NullCount: cw.nullCount},
		EncodingStats:         cw.encodingStats(),
	}
	if cw.codec != nil {
		md.Codec = format.Zstd
	}
	if cw.spec.enc == encDict {
		md.DictionaryPageOffset = off
	}
	if cw.cb.ok {
		md.Statistics.MinValue, md.Statistics.MaxValue = cw.cb.plain(&cw.spec)
	}
	m := chunkMeta{
		chunk: format.ColumnChunk{FileOffset: off, MetaData: md},
		index: cw.index,
	}
	m.index.BoundaryOrder = boundaryOrder(cw.spec.phys, m.index.MinValues, m.index.MaxValues, m.index.NullPages)
	m.offset.PageLocations = make([]format.PageLocation, len(cw.locs))
	for i, l := range cw.locs {
		l.Offset += dataOff
		m.offset.PageLocations[i] = l
	}
	cw.reset()
	return m, nil
}

// encodings lists the chunk's encodings in the order of their values, as
// parquet-go and parquet-java do.
func (cw *columnWriter) encodings() []format.Encoding {
	var e []format.Encoding
	if cw.spec.enc == encDict || cw.plainPages > 0 {
		e = append(e, format.Plain)
	}
	if cw.spec.optional {
		e = append(e, format.RLE)
	}
	if cw.deltaPages > 0 {
		e = append(e, format.DeltaBinaryPacked)
	}
	if cw.dictPages > 0 {
		e = append(e, format.RLEDictionary)
	}
	return e
}

func (cw *columnWriter) encodingStats() []format.PageEncodingStats {
	var s []format.PageEncodingStats
	for _, p := range []struct {
		enc format.Encoding
		n   int
	}{{format.Plain, cw.plainPages}, {format.DeltaBinaryPacked, cw.deltaPages}, {format.RLEDictionary, cw.dictPages}} {
		if p.n > 0 {
			s = append(s, format.PageEncodingStats{PageType: format.DataPage, Encoding: p.enc, Count: int32(p.n)})
		}
	}
	if cw.spec.enc == encDict {
		s = append(s, format.PageEncodingStats{PageType: format.DictionaryPage, Encoding: format.Plain, Count: 1})
	}
	return s
}

// reset empties the writer for the next column chunk, keeping its buffers.
func (cw *columnWriter) reset() {
	cw.pages.reset()
	cw.chunkRows, cw.unc, cw.comp = 0, 0, 0
	cw.plainPages, cw.deltaPages, cw.dictPages = 0, 0, 0
	cw.cb = bounds{}
	cw.nullCount = 0
	cw.index = format.ColumnIndex{}
	cw.locs = cw.locs[:0]
	cw.dictFull = false
	cw.seen = cw.seen[:0]
	cw.dropKeys()
	if cw.strDict != nil {
		cw.strDict.reset()
	}
	if cw.intDict != nil {
		cw.intDict.reset()
	}
}

// A chunkBuf holds a column chunk's encoded pages until the row group is
// written: a list of slabs that grow from 16 KiB to 1 MiB, so that a large
// chunk is never copied to grow and a small one (a column the log does not
// have) takes little. Slabs are kept for the next row group.
type chunkBuf struct {
	slabs [][]byte
	cur   int // slabs[cur] is being filled
	n     int // bytes held
}

const (
	minSlab = 16 << 10
	maxSlab = 1 << 20
)

func (c *chunkBuf) append(p []byte) {
	c.n += len(p)
	for len(p) > 0 {
		if len(c.slabs) == 0 {
			c.slabs = append(c.slabs, make([]byte, 0, minSlab))
		}
		s := c.slabs[c.cur]
		if len(s) == cap(s) {
			c.cur++
			if c.cur == len(c.slabs) {
				c.slabs = append(c.slabs, make([]byte, 0, min(2*cap(s), maxSlab)))
			}
			continue
		}
		k := min(len(p), cap(s)-len(s))
		c.slabs[c.cur] = append(s, p[:k]...)
		p = p[k:]
	}
}

func (c *chunkBuf) writeTo(w io.Writer) error {
	for _, s := range c.slabs[:min(c.cur+1, len(c.slabs))] {
		if _, err := w.Write(s); err != nil {
			return err
		}
	}
	return nil
}

func (c *chunkBuf) reset() {
	for i := range c.slabs {
		c.slabs[i] = c.slabs[i][:0]
	}
	c.cur, c.n = 0, 0
}
