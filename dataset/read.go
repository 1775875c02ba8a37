package dataset

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/cfwatch/cfwatch/logparse"
)

// Reading the dataset back
//
// A Reader reads one of the dataset's Parquet files back as
// logparse.Records, so that everything built on the log reader (the
// detectors, the traffic picture) runs unchanged on the dataset. A record
// read back is the record that was written, with these differences, all
// documented on Row and in the package comment:
//
//   - cs_cookie, cs_uri_query and cs_referrer hold the redacted values:
//     cookie names and parameter names are kept, their values are not;
//   - Time is to the millisecond (request_time), and the float fields
//     (time-taken, time-to-first-byte, origin-fbl, origin-lbl) went through
//     float32;
//   - DistributionID is the distribution_id column: the log's DistributionId,
//     else the distribution of the object key it was written with;
//   - Line is the row's number in the file, counting from 1.
//
// Record.Has reports the fields the row has a value for, following the NULL
// rules of Row, so a logged 0 is still told from an absent number.
//
// Only the columns asked for are read (ReaderOptions.Columns), row group by
// row group and page by page: memory holds a batch of values and the current
// page of each column read, whatever the size of the file.

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Columns names the columns to read; nil reads them all. request_time
	// is always read. The fields of the columns not read are zero and
	// absent (Record.Has is false).
	Columns []string
	// Name names the file in errors ("s3://bucket/key", a path).
	Name string
	// BufferSize is the size of each read from the io.ReaderAt, per
	// column read (default 256 KiB). Make it larger when each read is a
	// request to a server.
	BufferSize int
}

// readBatch is how many values of each column a Reader decodes at once.
const readBatch = 1024

// A Reader reads the rows of one dataset Parquet file as logparse.Records,
// in file order. It is not safe for concurrent use.
type Reader struct {
	name    string
	file    *parquet.File
	cols    []*columnReader // in dataset column order
	rg      int             // current row group
	left    int64           // rows of the current row group not yet batched
	n, i    int             // rows in the batch, the next one
	rows    int64           // rows handed out
	rowsBuf []Row           // the batch's rows, decoded
	nums    []rowNumbers    // their number columns, which rowsBuf points at
	b       RecordBuilder
	err     error
	spare   [][]parquet.Value // value buffers kept by Reset for the next file's columns
}

// rowNumbers holds the number columns of a row of the batch, which its Row
// points at (no allocation per row).
type rowNumbers struct {
	bytesSent, bytesReceived, contentLength, rangeStart, rangeEnd, asn int64
	status, fle, port                                                  int32
	timeTaken, ttfb, fbl, lbl                                          float32
}

// columnReader reads one column chunk page by page.
type columnReader struct {
	col   int // dataset column (colDate …)
	index int // column index in the file
	name  string
	kind  parquet.Kind
	unit  time.Duration // request_time: the timestamp's unit

	pages parquet.Pages
	cur   parquet.Page
	vr    parquet.ValueReader
	done  []parquet.Page // pages whose values the current batch still uses
	vals  []parquet.Value
}

// ErrNotDataset is the error (wrapped) of Reset and NewReader for a Parquet
// file that is not one of the dataset's: a CloudFront standard logging v2
// Parquet log, say, which logparse.ParquetReader reads.
var ErrNotDataset = errors.New("not a file of cfwatch's dataset")

// NewReader opens a dataset Parquet file of size bytes read through r. It
// reads the footer and checks that the file is one of the dataset's: its
// key/value metadata names the dataset's schema ("cfwatch.dataset") and the
// columns asked for have the dataset's types.
func NewReader(r io.ReaderAt, size int64, opts ReaderOptions) (*Reader, error) {
	rd := &Reader{}
	if err := rd.Reset(r, size, opts); err != nil {
		return nil, err
	}
	return rd, nil
}

// Reset makes the Reader read another file, as NewReader opens it, keeping
// its buffers: reading many small files costs less.
//
// A damaged file is an error, never a panic: the Parquet library can panic
// on bytes it does not expect (an index out of range in a flipped page
// header), so Reset, Read and Close recover from it at the file's boundary
// and return an error naming the file.
func (r *Reader) Reset(ra io.ReaderAt, size int64, opts ReaderOptions) (err error) {
	r.dropRowGroup()
	defer r.recoverPanic("opening it", &err)
	name := opts.Name
	if name == "" {
		name = "parquet file"
	}
	buf := opts.BufferSize
	if buf <= 0 {
		buf = 256 << 10
	}
	spare := r.spare
	for _, c := range r.cols {
		spare = append(spare, c.vals)
	}
	*r = Reader{name: name, rg: -1, rowsBuf: r.rowsBuf, nums: r.nums, b: r.b, spare: spare}
	if r.rowsBuf == nil {
		r.rowsBuf, r.nums = make([]Row, readBatch), make([]rowNumbers, readBatch)
	} else {
		clear(r.rowsBuf) // the fields of columns this file does not read stay zero
	}
	fail := func(err error) error {
		r.err = err
		return err
	}
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(buf))
	if err != nil {
		return fail(fmt.Errorf("%s: not a readable Parquet file: %w", name, err))
	}
	if v, ok := f.Lookup("cfwatch.dataset"); !ok || !strings.HasPrefix(v, "cloudfront-standard/") {
		return fail(fmt.Errorf("%s: %w (no cfwatch.dataset=%s key in its metadata)", name, ErrNotDataset, SchemaVersion))
	}
	r.file = f
	want := opts.Columns
	if want == nil {
		want = colNames[:]
	}
	seen := map[int]bool{}
	for _, c := range append([]string{colNames[colRequestTime]}, want...) {
		ci := slices.Index(colNames[:], c)
		if ci < 0 {
			return fail(fmt.Errorf("%s: no dataset column %q", name, c))
		}
		if seen[ci] {
			continue
		}
		seen[ci] = true
		leaf, ok := f.Schema().Lookup(c)
		if !ok {
			if ci == colRequestTime {
				return fail(fmt.Errorf("%s: no request_time column", name))
			}
			continue // an older file without the column: absent in every row
		}
		cr := &columnReader{col: ci, index: leaf.ColumnIndex, name: c, kind: leaf.Node.Type().Kind()}
		if n := len(r.spare); n > 0 {
			cr.vals, r.spare = r.spare[n-1], r.spare[:n-1]
		} else {
			cr.vals = make([]parquet.Value, readBatch)
		}
		if err := cr.check(); err != nil {
			return fail(fmt.Errorf("%s: %w", name, err))
		}
		r.cols = append(r.cols, cr)
	}
	slices.SortFunc(r.cols, func(a, b *columnReader) int { return a.col - b.col })
	return nil
}

// check verifies the column's physical type against the dataset's.
func (c *columnReader) check() error {
	want := schema.Fields()[c.col].Type()
	if c.kind != want.Kind() {
		return fmt.Errorf("column %s is %s, the dataset's is %s", c.name, c.kind, want.Kind())
	}
	return nil
}

// NumRows returns the number of rows in the file (0 when it could not be
// opened).
func (r *Reader) NumRows() int64 {
	if r.file == nil {
		return 0
	}
	return r.file.NumRows()
}

// Rows returns the number of rows Read has returned.
func (r *Reader) Rows() int64 { return r.rows }

// Read reads the next row into rec. It returns io.EOF after the last one.
// rec's strings point into the Reader's buffers: they stay valid until the
// next Read, so clone those that must be kept longer (as with
// logparse.Reader).
func (r *Reader) Read(rec *logparse.Record) error {
	if r.err != nil {
		return r.err
	}
	if r.i == r.n {
		if err := r.fill(); err != nil {
			r.err = err
			return err
		}
	}
	i := r.i
	r.i++
	r.rows++
	r.b.Record(&r.rowsBuf[i], rec)
	rec.Line = int(r.rows)
	return nil
}

// recoverPanic turns a panic of the Parquet library while the Reader was
// doing what into an error naming the file, in *err. The Reader then fails
// every Read; its pages are dropped, not released, as their state is
// unknown.
func (r *Reader) recoverPanic(doing string, err *error) {
	p := recover()
	if p == nil {
		return
	}
	where := doing
	if r.rg >= 0 {
		where = fmt.Sprintf("%s (row group %d, after row %d)", doing, r.rg, r.rows)
	}
	*err = fmt.Errorf("%s: damaged Parquet file: reading it failed while %s: %v", r.name, where, p)
	r.err = *err
	r.cols = nil
}

// fill decodes the next batch of rows, moving to the next row group when
// the current one is done.
func (r *Reader) fill() (err error) {
	defer r.recoverPanic("reading its rows", &err)
	for r.left == 0 {
		r.closeRowGroup()
		r.rg++
		groups := r.file.RowGroups()
		if r.rg >= len(groups) {
			return io.EOF
		}
		g := groups[r.rg]
		r.left = g.NumRows()
		chunks := g.ColumnChunks()
		for _, c := range r.cols {
			c.pages = chunks[c.index].Pages()
			if c.col == colRequestTime {
				c.unit = timestampUnit(chunks[c.index].Type())
			}
		}
	}
	n := int(min(int64(readBatch), r.left))
	for _, c := range r.cols {
		if err := c.read(n); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("%s: row group %d, column %s, after row %d: %w", r.name, r.rg, c.name, r.rows, err)
		}
	}
	r.left -= int64(n)
	r.n, r.i = n, 0
	r.decode(n)
	return nil
}

// timestampUnit is the unit of a TIMESTAMP column (milliseconds when the
// file does not say).
func timestampUnit(t parquet.Type) time.Duration {
	if lt := t.LogicalType(); lt != nil {
		if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
			return ts.Unit.Value.Duration()
		}
	}
	return time.Millisecond
}

// read decodes the next n values of the column into c.vals. Pages that are
// finished are kept (their values may be in the batch) until the next call.
func (c *columnReader) read(n int) error {
	for _, p := range c.done {
		parquet.Release(p)
	}
	c.done = c.done[:0]
	dst := c.vals[:n]
	for got := 0; got < n; {
		if c.vr == nil {
			p, err := c.pages.ReadPage()
			if err != nil {
				return err
			}
			c.cur, c.vr = p, p.Values()
		}
		m, err := c.vr.ReadValues(dst[got:])
		got += m
		if err == io.EOF || (err == nil && m == 0) {
			c.done = append(c.done, c.cur)
			c.cur, c.vr = nil, nil
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropRowGroup releases the pages of the row group of the file read
// before, or forgets them if that fails (the file was damaged).
func (r *Reader) dropRowGroup() {
	defer func() {
		if recover() != nil {
			r.cols = nil
		}
	}()
	r.closeRowGroup()
}

// closeRowGroup releases the pages of the row group just read.
func (r *Reader) closeRowGroup() {
	for _, c := range r.cols {
		c.release()
	}
}

func (c *columnReader) release() {
	for _, p := range c.done {
		parquet.Release(p)
	}
	c.done = c.done[:0]
	if c.cur != nil {
		parquet.Release(c.cur)
		c.cur, c.vr = nil, nil
	}
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
}

// Close releases the Reader's pages. It does not close the io.ReaderAt.
// Reset may still be called.
func (r *Reader) Close() (err error) {
	defer r.recoverPanic("closing it", &err)
	r.closeRowGroup()
	r.err = errors.New("dataset: reader closed")
	return nil
}

// decode sets r.rowsBuf[:n] from the batch, column by column. Every column
// read sets its field in every row, NULL included, so rows need no
// clearing; the fields of columns not read stay zero.
func (r *Reader) decode(n int) {
	rows, num := r.rowsBuf[:n], r.nums[:n]
	for _, c := range r.cols {
		vals := c.vals[:n]
		switch c.col {
		case colRequestTime:
			for i, v := range vals {
				rows[i].RequestTime = time.Time{}
				if !v.IsNull() {
					rows[i].RequestTime = time.Unix(0, v.Int64()*int64(c.unit)).UTC()
				}
			}
		case colBytesSent, colBytesReceived, colContentLength, colRangeStart, colRangeEnd, colASN:
			for i, v := range vals {
				var p *int64
				if !v.IsNull() {
					p = num[i].int64Field(c.col)
					*p = v.Int64()
				}
				rows[i].setInt64(c.col, p)
			}
		case colStatus, colFLEEncrypted, colClientPort:
			for i, v := range vals {
				var p *int32
				if !v.IsNull() {
					p = num[i].int32Field(c.col)
					*p = v.Int32()
				}
				rows[i].setInt32(c.col, p)
			}
		case colTimeTaken, colTimeToFirstByte, colOriginFBL, colOriginLBL:
			for i, v := range vals {
				var p *float32
				if !v.IsNull() {
					p = num[i].floatField(c.col)
					*p = v.Float()
				}
				rows[i].setFloat(c.col, p)
			}
		default:
			off, ok := stringOffsets[c.col]
			if !ok {
				continue // date: the time comes from request_time
			}
			for i, v := range vals {
				*(*string)(unsafe.Add(unsafe.Pointer(&rows[i]), off)) = str(v)
			}
		}
	}
}

// stringOffsets are the offsets in Row of the string columns' fields.
var stringOffsets = map[int]uintptr{
	colTime:                     unsafe.Offsetof(Row{}.Time),
	colEdgeLocation:             unsafe.Offsetof(Row{}.EdgeLocation),
	colClientIP:                 unsafe.Offsetof(Row{}.ClientIP),
	colMethod:                   unsafe.Offsetof(Row{}.Method),
	colHost:                     unsafe.Offsetof(Row{}.Host),
	colURIStem:                  unsafe.Offsetof(Row{}.URIStem),
	colReferrer:                 unsafe.Offsetof(Row{}.Referrer),
	colUserAgent:                unsafe.Offsetof(Row{}.UserAgent),
	colQuery:                    unsafe.Offsetof(Row{}.Query),
	colCookie:                   unsafe.Offsetof(Row{}.Cookie),
	colEdgeResultType:           unsafe.Offsetof(Row{}.EdgeResultType),
	colRequestID:                unsafe.Offsetof(Row{}.RequestID),
	colHostHeader:               unsafe.Offsetof(Row{}.HostHeader),
	colProtocol:                 unsafe.Offsetof(Row{}.Protocol),
	colForwardedFor:             unsafe.Offsetof(Row{}.ForwardedFor),
	colTLSProtocol:              unsafe.Offsetof(Row{}.TLSProtocol),
	colTLSCipher:                unsafe.Offsetof(Row{}.TLSCipher),
	colEdgeResponseType:         unsafe.Offsetof(Row{}.EdgeResponseType),
	colProtocolVersion:          unsafe.Offsetof(Row{}.ProtocolVersion),
	colFLEStatus:                unsafe.Offsetof(Row{}.FLEStatus),
	colEdgeDetailedType:         unsafe.Offsetof(Row{}.EdgeDetailedType),
	colContentType:              unsafe.Offsetof(Row{}.ContentType),
	colDistributionID:           unsafe.Offsetof(Row{}.DistributionID),
	colURIStemDecoded:           unsafe.Offsetof(Row{}.URIStemDecoded),
	colUserAgentDecoded:         unsafe.Offsetof(Row{}.UserAgentDecoded),
	colCountry:                  unsafe.Offsetof(Row{}.Country),
	colCacheBehaviorPathPattern: unsafe.Offsetof(Row{}.CacheBehaviorPathPattern),
}

func (n *rowNumbers) int64Field(col int) *int64 {
	switch col {
	case colBytesSent:
		return &n.bytesSent
	case colBytesReceived:
		return &n.bytesReceived
	case colContentLength:
		return &n.contentLength
	case colRangeStart:
		return &n.rangeStart
	case colRangeEnd:
		return &n.rangeEnd
	}
	return &n.asn
}

func (r *Row) setInt64(col int, p *int64) {
	switch col {
	case colBytesSent:
		r.BytesSent = p
	case colBytesReceived:
		r.BytesReceived = p
	case colContentLength:
		r.ContentLength = p
	case colRangeStart:
		r.RangeStart = p
	case colRangeEnd:
		r.RangeEnd = p
	case colASN:
		r.ASN = p
	}
}

func (n *rowNumbers) int32Field(col int) *int32 {
	switch col {
	case colStatus:
		return &n.status
	case colFLEEncrypted:
		return &n.fle
	}
	return &n.port
}

func (r *Row) setInt32(col int, p *int32) {
	switch col {
	case colStatus:
		r.Status = p
	case colFLEEncrypted:
		r.FLEEncrypted = p
	case colClientPort:
		r.ClientPort = p
	}
}

func (n *rowNumbers) floatField(col int) *float32 {
	switch col {
	case colTimeTaken:
		return &n.timeTaken
	case colTimeToFirstByte:
		return &n.ttfb
	case colOriginFBL:
		return &n.fbl
	}
	return &n.lbl
}

func (r *Row) setFloat(col int, p *float32) {
	switch col {
	case colTimeTaken:
		r.TimeTaken = p
	case colTimeToFirstByte:
		r.TimeToFirstByte = p
	case colOriginFBL:
		r.OriginFBL = p
	case colOriginLBL:
		r.OriginLBL = p
	}
}

// str returns a byte array value as a string without copying it: the bytes
// belong to a page (or its dictionary) that the Reader keeps until the
// batch is done, and nothing writes them.
func str(v parquet.Value) string {
	b := v.ByteArray()
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// A RecordBuilder turns Rows back into logparse.Records: every field from
// its column, and Record.Has true exactly for the fields whose column is not
// NULL (an empty string counts as NULL, as the dataset never stores one).
// The zero value is ready to use; it is not safe for concurrent use.
//
// logparse sets what Has reports only while it parses a line, so the builder
// parses one small log line per combination of present fields it meets (a
// handful in a real log) and starts each record from a copy of it.
type RecordBuilder struct {
	protos   map[uint64]logparse.Record
	lastMask uint64
	last     logparse.Record
	hasLast  bool
}

// Record sets rec from row. Line is left 0. Strings are not copied: rec
// points at row's.
func (b *RecordBuilder) Record(row *Row, rec *logparse.Record) {
	ip, ipErr := netip.Addr{}, error(nil)
	if row.ClientIP != "" {
		ip, ipErr = netip.ParseAddr(row.ClientIP)
	}
	mask := presence(row, ip.IsValid() && ipErr == nil)
	if !b.hasLast || mask != b.lastMask {
		b.last, b.lastMask, b.hasLast = b.proto(mask), mask, true
	}
	*rec = b.last

	rec.Time = row.RequestTime.UTC()
	rec.DistributionID = row.DistributionID
	rec.EdgeLocation = row.EdgeLocation
	rec.BytesSent = i64(row.BytesSent)
	rec.BytesReceived = i64(row.BytesReceived)
	rec.ClientIP = ip
	rec.ClientPort = int(i32(row.ClientPort))
	rec.Method = row.Method
	rec.Host = row.Host
	rec.URIStem = row.URIStem
	rec.Query = row.Query
	rec.Status = int(i32(row.Status))
	rec.Referrer = row.Referrer
	rec.UserAgent = row.UserAgent
	rec.Cookie = row.Cookie
	rec.RequestID = row.RequestID
	rec.HostHeader = row.HostHeader
	rec.EdgeResultType = row.EdgeResultType
	rec.EdgeResponseResultType = row.EdgeResponseType
	rec.EdgeDetailedResultType = row.EdgeDetailedType
	rec.Protocol = row.Protocol
	rec.ProtocolVersion = row.ProtocolVersion
	rec.TLSProtocol = row.TLSProtocol
	rec.TLSCipher = row.TLSCipher
	rec.TimeTaken = f64(row.TimeTaken)
	rec.TimeToFirstByte = f64(row.TimeToFirstByte)
	rec.ForwardedFor = row.ForwardedFor
	rec.ContentType = row.ContentType
	rec.ContentLength = i64(row.ContentLength)
	rec.RangeStart = i64(row.RangeStart)
	rec.RangeEnd = i64(row.RangeEnd)
	rec.FLEStatus = row.FLEStatus
	rec.FLEEncryptedFields = int(i32(row.FLEEncrypted))
	rec.ASN = i64(row.ASN)
	rec.Country = row.Country
	rec.OriginFBL = f64(row.OriginFBL)
	rec.OriginLBL = f64(row.OriginLBL)
	rec.CacheBehaviorPathPattern = row.CacheBehaviorPathPattern
	rec.Line = 0
}

func i64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func i32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func f64(p *float32) float64 {
	if p == nil {
		return 0
	}
	return float64(*p)
}

// protoField is a field a row may have, with a value logparse accepts for
// it (only its presence matters: Record sets every value).
type protoField struct {
	f     logparse.Field
	dummy string
}

// protoFields lists every field Record sets, with a value to parse.
var protoFields = [...]protoField{
	{logparse.FieldDistributionID, "E2QWRUHEXAMPLE"},
	{logparse.FieldEdgeLocation, "x"},
	{logparse.FieldBytesSent, "1"},
	{logparse.FieldClientIP, "192.0.2.1"},
	{logparse.FieldMethod, "GET"},
	{logparse.FieldHost, "x"},
	{logparse.FieldURIStem, "/"},
	{logparse.FieldStatus, "200"},
	{logparse.FieldReferrer, "x"},
	{logparse.FieldUserAgent, "x"},
	{logparse.FieldQuery, "x"},
	{logparse.FieldCookie, "x"},
	{logparse.FieldEdgeResultType, "x"},
	{logparse.FieldRequestID, "x"},
	{logparse.FieldHostHeader, "x"},
	{logparse.FieldProtocol, "https"},
	{logparse.FieldBytesReceived, "1"},
	{logparse.FieldTimeTaken, "0.5"},
	{logparse.FieldForwardedFor, "x"},
	{logparse.FieldTLSProtocol, "x"},
	{logparse.FieldTLSCipher, "x"},
	{logparse.FieldEdgeResponseResultType, "x"},
	{logparse.FieldProtocolVersion, "x"},
	{logparse.FieldFLEStatus, "x"},
	{logparse.FieldFLEEncryptedFields, "1"},
	{logparse.FieldClientPort, "1"},
	{logparse.FieldTimeToFirstByte, "0.5"},
	{logparse.FieldEdgeDetailedResultType, "x"},
	{logparse.FieldContentType, "x"},
	{logparse.FieldContentLength, "1"},
	{logparse.FieldRangeStart, "1"},
	{logparse.FieldRangeEnd, "1"},
	{logparse.FieldASN, "1"},
	{logparse.FieldCountry, "x"},
	{logparse.FieldOriginFBL, "0.5"},
	{logparse.FieldOriginLBL, "0.5"},
	{logparse.FieldCacheBehaviorPathPattern, "x"},
}

// presence returns the fields row has a value for, as a bit set of
// logparse.Fields (the time fields are always present).
func presence(row *Row, ip bool) uint64 {
	var m uint64
	set := func(f logparse.Field, ok bool) {
		if ok {
			m |= 1 << f
		}
	}
	set(logparse.FieldDate, true)
	set(logparse.FieldTime, true)
	set(logparse.FieldDistributionID, row.DistributionID != "")
	set(logparse.FieldEdgeLocation, row.EdgeLocation != "")
	set(logparse.FieldBytesSent, row.BytesSent != nil)
	set(logparse.FieldClientIP, ip)
	set(logparse.FieldMethod, row.Method != "")
	set(logparse.FieldHost, row.Host != "")
	set(logparse.FieldURIStem, row.URIStem != "")
	set(logparse.FieldStatus, row.Status != nil)
	set(logparse.FieldReferrer, row.Referrer != "")
	set(logparse.FieldUserAgent, row.UserAgent != "")
	set(logparse.FieldQuery, row.Query != "")
	set(logparse.FieldCookie, row.Cookie != "")
	set(logparse.FieldEdgeResultType, row.EdgeResultType != "")
	set(logparse.FieldRequestID, row.RequestID != "")
	set(logparse.FieldHostHeader, row.HostHeader != "")
	set(logparse.FieldProtocol, row.Protocol != "")
	set(logparse.FieldBytesReceived, row.BytesReceived != nil)
	set(logparse.FieldTimeTaken, row.TimeTaken != nil)
	set(logparse.FieldForwardedFor, row.ForwardedFor != "")
	set(logparse.FieldTLSProtocol, row.TLSProtocol != "")
	set(logparse.FieldTLSCipher, row.TLSCipher != "")
	set(logparse.FieldEdgeResponseResultType, row.EdgeResponseType != "")
	set(logparse.FieldProtocolVersion, row.ProtocolVersion != "")
	set(logparse.FieldFLEStatus, row.FLEStatus != "")
	set(logparse.FieldFLEEncryptedFields, row.FLEEncrypted != nil)
	set(logparse.FieldClientPort, row.ClientPort != nil)
	set(logparse.FieldTimeToFirstByte, row.TimeToFirstByte != nil)
	set(logparse.FieldEdgeDetailedResultType, row.EdgeDetailedType != "")
	set(logparse.FieldContentType, row.ContentType != "")
	set(logparse.FieldContentLength, row.ContentLength != nil)
	set(logparse.FieldRangeStart, row.RangeStart != nil)
	set(logparse.FieldRangeEnd, row.RangeEnd != nil)
	set(logparse.FieldASN, row.ASN != nil)
	set(logparse.FieldCountry, row.Country != "")
	set(logparse.FieldOriginFBL, row.OriginFBL != nil)
	set(logparse.FieldOriginLBL, row.OriginLBL != nil)
	set(logparse.FieldCacheBehaviorPathPattern, row.CacheBehaviorPathPattern != "")
	return m
}

// proto returns a record whose Has reports exactly the fields of mask.
func (b *RecordBuilder) proto(mask uint64) logparse.Record {
	if p, ok := b.protos[mask]; ok {
		return p
	}
	p, err := parseProto(mask)
	if err != nil {
		// protoFields holds values logparse accepts: this is a bug.
		panic(fmt.Sprintf("dataset: building a record prototype: %v", err))
	}
	if b.protos == nil {
		b.protos = make(map[uint64]logparse.Record)
	}
	b.protos[mask] = p
	return p
}

// parseProto parses a one-line W3C log whose fields are present as mask
// says.
func parseProto(mask uint64) (logparse.Record, error) {
	names := []string{"date", "time"}
	vals := []string{"2000-01-01", "00:00:00"}
	for _, pf := range protoFields {
		names = append(names, pf.f.String())
		if mask&(1<<pf.f) != 0 {
			vals = append(vals, pf.dummy)
		} else {
			vals = append(vals, "-")
		}
	}
	text := "#Version: 1.0\n#Fields: " + strings.Join(names, " ") + "\n" + strings.Join(vals, "\t") + "\n"
	r := logparse.NewReader(strings.NewReader(text))
	defer r.Close()
	var rec logparse.Record
	if err := r.Read(&rec); err != nil {
		return rec, err
	}
	for _, pf := range protoFields {
		if rec.Has(pf.f) != (mask&(1<<pf.f) != 0) {
			return rec, fmt.Errorf("field %s: Has is %v", pf.f, rec.Has(pf.f))
		}
	}
	return rec, nil
}
