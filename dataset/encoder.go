package dataset

import (
	"fmt"
	"io"
	"strings"
)

// Encoder names the code that encodes a Writer's columns into Parquet.
// Both write the same schema (Row: column names, physical and logical
// types, repetition), the same values (converted and redacted by Write,
// before the encoder sees them), the same row groups (Options'
// limits) and the same key/value metadata; tests hold them to each other
// (differential_test.go). They differ in speed, in page boundaries and in
// details of the layout (page header statistics, created_by).
//
// EncoderNative is the default and the fast one. EncoderParquetGo is the
// fallback: should the native encoder write a file a reader refuses or
// misreads, setting CFWATCH_PARQUET_ENCODER=parquet-go (or ingest
// --parquet-encoder parquet-go) switches to parquet-go's writer without a
// new release (see docs/dataset.md).
type Encoder string

const (
	// EncoderNative encodes pages, dictionaries, statistics, the page
	// index and the footer in this package (column.go, stats.go, dict.go,
	// file.go). The zero Encoder is EncoderNative.
	EncoderNative Encoder = "native"
	// EncoderParquetGo hands every value to parquet-go's GenericWriter.
	EncoderParquetGo Encoder = "parquet-go"
)

// Encoders returns the valid Encoders, the default first.
func Encoders() []Encoder { return []Encoder{EncoderNative, EncoderParquetGo} }

// ParseEncoder returns the Encoder named s ("native", "parquet-go"; case
// and surrounding blanks ignored; "" is native).
func ParseEncoder(s string) (Encoder, error) {
	switch e := Encoder(strings.ToLower(strings.TrimSpace(s))); e {
	case "", EncoderNative:
		return EncoderNative, nil
	case EncoderParquetGo, "parquetgo":
		return EncoderParquetGo, nil
	}
	return "", fmt.Errorf("parquet encoder %q: want %s or %s", s, EncoderNative, EncoderParquetGo)
}

// String returns the encoder's name; the zero Encoder is "native".
func (e Encoder) String() string {
	if e == "" {
		return string(EncoderNative)
	}
	return string(e)
}

// An encoder turns a Writer's batches into a Parquet file. The Writer's
// column workers call writeColumn and flushColumn, each only for the
// columns it was assigned, so an encoder keeps per-column state that
// needs no locks; the other methods are called by the Writer's goroutine
// while every worker is idle.
type encoder interface {
	// assign gives a column worker its columns, before the first batch.
	assign(cols []int)
	// writeColumn appends column c of the batch's rows to the row group.
	writeColumn(c int, b *batch) error
	// flushColumn encodes and compresses column c's open page.
	flushColumn(c int) error
	// buffered is the row group's size so far, in bytes.
	buffered() int64
	// writeRowGroup writes the row group of rows rows out.
	writeRowGroup(rows int64) error
	// close writes what is left, the page index and the footer.
	close() error
}

// newEncoder returns the encoder opts.Encoder names. The native one is
// kept in the Writer (no allocation of its own).
func (w *Writer) newEncoder(out io.Writer) encoder {
	if w.opts.Encoder == EncoderParquetGo {
		return newParquetGoEncoder(out, w.opts)
	}
	w.native.init(out, w.opts)
	return &w.native
}

// nativeEncoder is EncoderNative: a columnWriter per column (column.go)
// and the file's layout (file.go).
type nativeEncoder struct {
	file *fileWriter
	cols [numColumns]*columnWriter
}

func (e *nativeEncoder) init(w io.Writer, opts Options) {
	e.file = newFileWriter(w)
	for c := range e.cols {
		e.cols[c] = newColumnWriter(c, opts)
	}
}

// assign gives the worker's columns one set of page buffers.
func (e *nativeEncoder) assign(cols []int) {
	buf := newPageBuffers()
	for _, c := range cols {
		e.cols[c].buf = buf
	}
}

func (e *nativeEncoder) writeColumn(c int, b *batch) error { return e.cols[c].write(b) }
func (e *nativeEncoder) flushColumn(c int) error           { return e.cols[c].flushPage() }

func (e *nativeEncoder) buffered() int64 {
	var n int64
	for _, cw := range e.cols {
		n += cw.buffered()
	}
	return n
}

func (e *nativeEncoder) writeRowGroup(rows int64) error {
	return e.file.writeRowGroup(e.cols[:], rows)
}

func (e *nativeEncoder) close() error { return e.file.close() }
