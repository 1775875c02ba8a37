package logparse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// FormatParquet is standard logging v2's Parquet output (S3 destinations).
const FormatParquet Format = 3

// ParquetMagic starts (and ends) every Parquet file.
const ParquetMagic = "PAR1"

// IsParquet reports whether the start of a file is Parquet's magic.
func IsParquet(head []byte) bool { return bytes.HasPrefix(head, []byte(ParquetMagic)) }

// parquetKey normalises a Parquet column name for LookupParquetField: lower
// case, without the punctuation the writers of CloudFront's Parquet spell
// differently: "cs(Host)", "cs_host" and "cs-host" are all "cshost",
// "timestamp(ms)" and "timestamp_ms" both "timestampms".
func parquetKey(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '(' || c == ')' || c == '-' || c == '_' || c == ' ' || c == '.':
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parquetFields maps normalised column names (parquetKey) to fields. It is
// read-only after package initialisation.
var parquetFields = func() map[string]Field {
	m := make(map[string]Field, 2*int(numFields))
	for name, f := range fieldByName {
		m[parquetKey(name)] = f
	}
	return m
}()

// LookupParquetField returns the field a column of CloudFront's standard
// logging v2 Parquet output holds. AWS does not document the columns' names;
// the field names ("cs(Host)"), the Athena guide's ("cs_host") and the
// real-time spellings ("cs-host") are all read. FieldUnknown if cfwatch does
// not read the column.
func LookupParquetField(name string) Field { return parquetFields[parquetKey(name)] }

// A ParquetReader reads records from a Parquet file of CloudFront's standard
// logging v2 (the Parquet output format of an S3 delivery destination). It
// gives the same records as the W3C or JSON form of the same requests: each
// value goes through the same decoding (Reader.set), typed columns first
// turned into the text CloudFront's other formats hold.
//
// Columns may be strings (BYTE_ARRAY, as the Athena guide's table declares
// them) or typed (INT32/INT64, FLOAT/DOUBLE; DATE for date, TIME for time,
// TIMESTAMP or a plain integer for timestamp(ms)). Record.Line is the row,
// counting from 1, and errors name it as the line.
//
// A Parquet file is read at random (its footer first), hence an
// io.ReaderAt. Memory is bounded by a batch of rows; strings in a record
// share memory with its batch, which is never overwritten.
type ParquetReader struct {
	Name string

	p     Reader // the parse state: field decoding and errors
	file  *parquet.File
	cols  []parquetColumn // by leaf column index; field FieldUnknown for unread ones
	rg    int
	rows  parquet.Rows
	batch []parquet.Row
	n, i  int // rows in batch, next row
	row   int // rows consumed
	arena []byte
	err   error
	nrows int64
}

type parquetColumn struct {
	name  string
	field Field
	kind  parquet.Kind
	// Time handling of typed columns.
	date bool          // INT32 DATE: days since the epoch
	unit time.Duration // TIME or TIMESTAMP unit; 0 when not one
}

// parquetBatch is how many rows a ParquetReader reads at once.
const parquetBatch = 256

// IsCloudFrontParquet reports whether a Parquet file's schema is that of
// CloudFront's standard logging v2: it has a time (timestamp(ms),
// timestamp, or date and time) and at least one more log field.
func IsCloudFrontParquet(f *parquet.File) bool {
	var have [numFields]bool
	n := 0
	for _, path := range f.Schema().Columns() {
		if len(path) != 1 {
			continue
		}
		if fl := LookupParquetField(path[0]); fl != FieldUnknown && !have[fl] {
			have[fl] = true
			n++
		}
	}
	hasTime := have[FieldTimestampMS] || have[FieldTimestamp] || (have[FieldDate] && have[FieldTime])
	return hasTime && n >= 2
}

// NewParquetReader opens a CloudFront v2 Parquet file of size bytes read
// through ra. A file that is not Parquet, or whose columns are not
// CloudFront's log fields, is a *FormatError.
func NewParquetReader(ra io.ReaderAt, size int64, name string) (pr *ParquetReader, err error) {
	defer recoverParquet(name, "opening it", &err)
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &FormatError{Name: name, Line: 0, Reason: "not a readable Parquet file: " + err.Error()}
	}
	return OpenParquetFile(f, name)
}

// OpenParquetFile is NewParquetReader for a file already opened.
func OpenParquetFile(f *parquet.File, name string) (*ParquetReader, error) {
	if !IsCloudFrontParquet(f) {
		return nil, &FormatError{Name: name, Reason: "a Parquet file whose columns are not CloudFront's log fields (no timestamp(ms), timestamp, or date and time)"}
	}
	pr := &ParquetReader{Name: name, file: f, rg: -1, nrows: f.NumRows()}
	pr.p.Name = name
	pr.p.format = FormatParquet
	for i, path := range f.Schema().Columns() {
		c := parquetColumn{name: strings.Join(path, ".")}
		leaf, ok := f.Schema().Lookup(path...)
		if ok && len(path) == 1 {
			c.field = LookupParquetField(path[0])
			t := leaf.Node.Type()
			c.kind = t.Kind()
			if lt := t.LogicalType(); lt != nil {
				switch v := lt.Value.(type) {
				case *format.DateType:
					c.date = true
				case *format.TimeType:
					c.unit = timeUnit(&v.Unit)
				case *format.TimestampType:
					c.unit = timeUnit(&v.Unit)
				}
			}
		}
		if i != leaf.ColumnIndex {
			return nil, &FormatError{Name: name, Reason: "unexpected Parquet schema: column " + c.name + " out of order"}
		}
		pr.cols = append(pr.cols, c)
	}
	pr.batch = make([]parquet.Row, parquetBatch)
	return pr, nil
}

func timeUnit(u *format.TimeUnit) time.Duration {
	if u == nil || u.Value == nil {
		return time.Millisecond
	}
	return u.Value.Duration()
}

// recoverParquet turns a panic of the Parquet library on a damaged file into
// an error naming the file.
func recoverParquet(name, doing string, err *error) {
	if v := recover(); v != nil {
		*err = &StreamError{Name: name, Err: fmt.Errorf("damaged Parquet file (%s): %v", doing, v)}
	}
}

// NumRows returns the rows the file holds.
func (r *ParquetReader) NumRows() int64 { return r.nrows }

// Records returns how many records Read has returned.
func (r *ParquetReader) Records() int { return r.p.records }

// Skipped returns how many rows were skipped because they could not be read.
func (r *ParquetReader) Skipped() int { return r.p.skipped }

// FieldErrors is Reader.FieldErrors: the bad values of the last record.
func (r *ParquetReader) FieldErrors() []*ParseError { return r.p.fieldErrs }

// FieldErrorCount returns how many field errors the records had in all.
func (r *ParquetReader) FieldErrorCount() int { return r.p.fieldErrCount }

// Line returns how many rows have been consumed.
func (r *ParquetReader) Line() int { return r.row }

// Close releases the rows being read. It does not close the ReaderAt.
func (r *ParquetReader) Close() error {
	if r.rows != nil {
		r.rows.Close()
		r.rows = nil
	}
	if r.err == nil {
		r.err = io.ErrClosedPipe
	}
	return nil
}

// Read reads the next row into rec. It returns io.EOF after the last row, a
// *ParseError for a row it cannot read (the next Read goes on), and a
// *StreamError when the file cannot be read on.
func (r *ParquetReader) Read(rec *Record) (err error) {
	if r.err != nil {
		return r.err
	}
	defer func() {
		if v := recover(); v != nil {
			r.err = &StreamError{Name: r.Name, Records: r.p.records, Line: r.row, Err: fmt.Errorf("damaged Parquet file: %v", v)}
			err = r.err
		}
	}()
	if len(r.p.fieldErrs) > 0 {
		clear(r.p.fieldErrs)
		r.p.fieldErrs = r.p.fieldErrs[:0]
	}
	for r.i >= r.n {
		if err := r.fill(); err != nil {
			r.err = err
			if err != io.EOF {
				r.err = &StreamError{Name: r.Name, Records: r.p.records, Line: r.row, Err: err}
			}
			return r.err
		}
	}
	row := r.batch[r.i]
	r.i++
	r.row++
	if err := r.parseRow(row, rec); err != nil {
		r.p.skipped++
		if pe, ok := err.(*ParseError); ok {
			pe.Name, pe.Line = r.Name, r.row
		}
		clear(r.p.fieldErrs)
		r.p.fieldErrs = r.p.fieldErrs[:0]
		return err
	}
	for _, fe := range r.p.fieldErrs {
		fe.Name, fe.Line = r.Name, r.row
	}
	r.p.fieldErrCount += len(r.p.fieldErrs)
	rec.Line = r.row
	r.p.records++
	return nil
}

// fill reads the next batch of rows, moving on to the next row group when
// one ends.
func (r *ParquetReader) fill() error {
	for {
		if r.rows == nil {
			r.rg++
			groups := r.file.RowGroups()
			if r.rg >= len(groups) {
				return io.EOF
			}
			r.rows = groups[r.rg].Rows()
		}
		n, err := r.rows.ReadRows(r.batch)
		if n > 0 {
			r.n, r.i = n, 0
			r.copyBatch()
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		r.rows.Close()
		r.rows = nil
	}
}

// copyBatch copies the bytes of the batch's values, and the text of its
// typed values, into a new arena that records' strings point into: one
// allocation per batch, never overwritten, so a record's strings stay
// valid as long as they are referenced (as a log block's do).
func (r *ParquetReader) copyBatch() {
	size := 0
	for _, row := range r.batch[:r.n] {
		for _, v := range row {
			if v.Kind() == parquet.ByteArray || v.Kind() == parquet.FixedLenByteArray {
				size += len(v.ByteArray())
			} else {
				size += 32
			}
		}
	}
	r.arena = make([]byte, 0, size)
}

// text returns the string form of value v of column c, as CloudFront's W3C
// and JSON forms write it. The bytes live in the batch's arena.
func (r *ParquetReader) text(c *parquetColumn, v parquet.Value) string {
	start := len(r.arena)
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		r.arena = append(r.arena, v.ByteArray()...)
	case parquet.Boolean:
		r.arena = strconv.AppendBool(r.arena, v.Boolean())
	case parquet.Int32:
		n := int64(v.Int32())
		switch {
		case c.date:
			r.arena = time.Unix(n*86400, 0).UTC().AppendFormat(r.arena, "2006-01-02")
		case c.unit > 0 && c.field == FieldTime:
			r.arena = appendClock(r.arena, time.Duration(n)*c.unit)
		default:
			r.arena = strconv.AppendInt(r.arena, n, 10)
		}
	case parquet.Int64:
		n := v.Int64()
		switch {
		case c.unit > 0 && c.field == FieldTime:
			r.arena = appendClock(r.arena, time.Duration(n)*c.unit)
		case c.unit > 0:
			// A TIMESTAMP column: the field's own unit is milliseconds
			// (timestamp(ms)) or seconds (timestamp).
			ms := n * int64(c.unit) / int64(time.Millisecond)
			if c.unit < time.Millisecond {
				ms = n / int64(time.Millisecond/c.unit)
			}
			if c.field == FieldTimestamp {
				r.arena = strconv.AppendFloat(r.arena, float64(ms)/1000, 'f', 3, 64)
			} else {
				r.arena = strconv.AppendInt(r.arena, ms, 10)
			}
		default:
			r.arena = strconv.AppendInt(r.arena, n, 10)
		}
	case parquet.Float:
		r.arena = appendFloat(r.arena, float64(v.Float()), 32)
	case parquet.Double:
		r.arena = appendFloat(r.arena, v.Double(), 64)
	default:
		// INT96 (legacy timestamps): not a type CloudFront's fields have.
		return ""
	}
	b := r.arena[start:]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// appendFloat writes a float as the logs do: the shortest decimal, no
// exponent.
func appendFloat(dst []byte, x float64, bits int) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(dst, "NaN"...)
	}
	return strconv.AppendFloat(dst, x, 'f', -1, bits)
}

// appendClock writes a time of day as HH:MM:SS.
func appendClock(dst []byte, d time.Duration) []byte {
	s := int64(d / time.Second)
	for i, n := range [3]int64{s / 3600, s / 60 % 60, s % 60} {
		if i > 0 {
			dst = append(dst, ':')
		}
		if n < 10 {
			dst = append(dst, '0')
		}
		dst = strconv.AppendInt(dst, n, 10)
	}
	return dst
}

// parseRow decodes one row: each read column's value through the same
// decoding as a W3C or JSON field.
func (r *ParquetReader) parseRow(row parquet.Row, rec *Record) error {
	*rec = Record{}
	var tp timeParts
	for _, v := range row {
		ci := v.Column()
		if ci < 0 || ci >= len(r.cols) || v.IsNull() {
			continue
		}
		c := &r.cols[ci]
		if c.field == FieldUnknown {
			continue
		}
		s := r.text(c, v)
		r.p.jsonKey = c.name
		err := r.p.set(rec, &tp, c.field, ci, s)
		r.p.jsonKey = ""
		if err != nil {
			if pe, ok := err.(*ParseError); ok {
				pe.Field = c.name
			}
			return err
		}
	}
	if err := r.p.finish(rec, &tp); err != nil {
		if pe, ok := err.(*ParseError); ok && pe.Column > 0 && pe.Column <= len(r.cols) {
			pe.Field = r.cols[pe.Column-1].name
		}
		return err
	}
	return nil
}
