package dataset

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/cfwatch/cfwatch/logparse"
)

// Defaults for Options (see doc.go for the reasons).
const (
	DefaultRowGroupRows  = 1_000_000
	DefaultRowGroupBytes = 128 << 20
	DefaultPageBytes     = 128 << 10
	// DefaultDictionaryBytes caps one column's dictionary in a row group;
	// past it the column falls back to plain encoding for the rest of the
	// row group, which is cheaper than a dictionary that no longer repeats.
	DefaultDictionaryBytes = 4 << 20
)

// batchRows is how many records Write buffers before handing them to the
// Parquet column writers, column by column.
const batchRows = 512

// Options configures a Writer. The zero value is the recommended setting.
type Options struct {
	// CompressionLevel is the zstd level of every column:
	// zstd.SpeedFastest (the default when zero), zstd.SpeedDefault,
	// zstd.SpeedBetterCompression or zstd.SpeedBestCompression.
	CompressionLevel zstd.Level
	// RowGroupRows and RowGroupBytes end a row group, whichever is reached
	// first; RowGroupBytes counts the row group's buffered size (compressed
	// pages plus the open pages and dictionaries, uncompressed), so it also
	// bounds the writer's memory. Defaults: DefaultRowGroupRows,
	// DefaultRowGroupBytes.
	RowGroupRows  int64
	RowGroupBytes int64
	// PageBytes is the uncompressed size at which a column's page is
	// written (default DefaultPageBytes).
	PageBytes int
	// DictionaryBytes caps a column's dictionary in a row group (default
	// DefaultDictionaryBytes); past it the column's pages are PLAIN until
	// the row group ends.
	DictionaryBytes int
	// DistributionID fills distribution_id for records whose log and whose
	// Write call name no distribution.
	DistributionID string
	// Workers is the number of goroutines that encode and compress columns
	// while Write converts the next rows. Default: 2, or 1 when GOMAXPROCS
	// is 1.
	Workers int
	// Encoder chooses the code that encodes the columns: EncoderNative
	// (the default, when empty) or EncoderParquetGo, the fallback should
	// the native encoder ever write a file a reader gets wrong. Files and
	// values are the same either way (see Encoder).
	Encoder Encoder
}

func (o Options) withDefaults() Options {
	if o.CompressionLevel == 0 {
		o.CompressionLevel = zstd.SpeedFastest
	}
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	if o.RowGroupBytes <= 0 {
		o.RowGroupBytes = DefaultRowGroupBytes
	}
	if o.PageBytes <= 0 {
		o.PageBytes = DefaultPageBytes
	}
	if o.DictionaryBytes <= 0 {
		o.DictionaryBytes = DefaultDictionaryBytes
	}
	if o.Workers <= 0 {
		o.Workers = min(2, runtime.GOMAXPROCS(0))
	}
	o.Workers = min(o.Workers, numColumns)
	if o.Encoder == "" {
		o.Encoder = EncoderNative
	}
	return o
}

// codecs holds one zstd codec per level, shared by every Writer: a codec
// pools its encoders, which are costly to create, so a Lambda that writes
// many files reuses them.
var codecs = [5]zstd.Codec{
	zstd.SpeedFastest:           {Level: zstd.SpeedFastest},
	zstd.SpeedDefault:           {Level: zstd.SpeedDefault},
	zstd.SpeedBetterCompression: {Level: zstd.SpeedBetterCompression},
	zstd.SpeedBestCompression:   {Level: zstd.SpeedBestCompression},
}

// A Writer converts records to the dataset's rows and writes them as one
// Parquet file to an io.Writer.
//
// Write converts and redacts a record into the per-column values of a batch
// of batchRows rows, on the caller's goroutine. A full batch goes to the
// Writer's column workers: goroutines that each own a fixed share of the
// columns and encode them into pages through the Writer's encoder (the
// native one, column.go: dictionaries, statistics, compression; or
// parquet-go's, parquetgo.go), while Write fills the next batch. Columns
// are independent until a row group ends, so the workers need no locks;
// the row group is written out, and the footer, by the caller's goroutine
// once the workers are idle (file.go).
//
// The column writers copy every value they keep (into pages or
// dictionaries), so a written batch holds nothing: record strings are
// referenced, not copied, until then (at most
// numBatches batches, a few of the reader's blocks), and derived strings
// (decoded, redacted, formatted) live in the batch's arena, reused by the
// next batch. Memory is bounded by the row group limits.
//
// Close must be called, also after an error: it ends the workers.
// A Writer is not safe for concurrent use.
type Writer struct {
	opts Options
	cur  *batch // being filled by Write; nil once closed
	err  error  // sticky

	rows      int64 // rows handed to the workers
	groupRows int64 // of which in the current row group
	rawBytes  int64 // logged size of the rows since the last size check
	curBytes  int64 // logged size of the rows of the batch being filled

	enc     encoder       // column c is written by the one worker assigned c
	native  nativeEncoder // enc, unless Options.Encoder says otherwise
	workers []*columnWorker
	free    chan *batch   // batches every worker is done with
	idle    chan struct{} // a worker's answer to a barrier or a flush
	flush   *batch        // the job that tells workers to flush their columns' pages
	werr    atomic.Pointer[error]
}

// A columnWorker writes its columns of each batch it receives. A nil batch
// is a barrier: the worker answers on Writer.idle once it has written every
// batch sent before it. Writer.flush asks it to also flush its columns'
// last pages (encode, bound and compress them) before it answers.
type columnWorker struct {
	cols []int
	jobs chan *batch
}

// numBatches is how many batches are in flight: one filled by Write, one
// being written, one spare so that Write rarely waits for the workers.
const numBatches = 3

var errClosed = errors.New("dataset: writer is closed")

// NewWriter returns a Writer that writes one Parquet file to w. Close writes
// the file's footer.
func NewWriter(w io.Writer, opts Options) *Writer {
	opts = opts.withDefaults()
	wr := &Writer{
		opts:  opts,
		free:  make(chan *batch, numBatches),
		idle:  make(chan struct{}),
		flush: new(batch),
	}
	wr.enc = wr.newEncoder(w)
	for range numBatches {
		wr.free <- newBatch()
	}
	wr.cur = <-wr.free
	for _, cols := range assignColumns(opts.Workers) {
		wr.enc.assign(cols)
		wk := &columnWorker{cols: cols, jobs: make(chan *batch, numBatches+1)}
		wr.workers = append(wr.workers, wk)
		go wr.work(wk)
	}
	return wr
}

// columnCost estimates each column's share of the workers' time, from
// profiles: dictionary-encoded strings cost most (a hash lookup per value
// that differs from the row before), long ones more; numbers least.
func columnCost(c int) int {
	switch c {
	case colUserAgent, colUserAgentDecoded, colReferrer, colURIStem, colURIStemDecoded, colClientIP:
		return 5
	case colRequestID, colTime, colQuery:
		return 3
	}
	if schema.Fields()[c].Type().Kind() == parquet.ByteArray {
		return 2
	}
	return 1
}

// assignColumns splits the columns among n workers, balancing their
// estimated cost (largest first, each to the least loaded worker).
func assignColumns(n int) [][]int {
	order := make([]int, numColumns)
	for c := range order {
		order[c] = c
	}
	slices.SortStableFunc(order, func(a, b int) int { return columnCost(b) - columnCost(a) })
	groups := make([][]int, n)
	load := make([]int, n)
	for _, c := range order {
		k := slices.Index(load, slices.Min(load))
		groups[k] = append(groups[k], c)
		load[k] += columnCost(c)
	}
	for _, g := range groups {
		slices.Sort(g)
	}
	return groups
}

// SchemaVersion names the dataset's column list; it is stored in each file's
// key/value metadata under "cfwatch.dataset". Columns are only ever added
// within a version.
const SchemaVersion = "cloudfront-standard/v1"

// Rows returns the number of records written so far.
func (w *Writer) Rows() int64 {
	if w.cur == nil {
		return w.rows
	}
	return w.rows + int64(w.cur.n)
}

// Write converts rec to a row and buffers it. dist names the distribution
// when the log does not (legacy logs name it only in the object key): the
// distribution_id column takes rec.DistributionID, else dist, else
// Options.DistributionID.
//
// rec is not kept past the call beyond references to its strings, which the
// logparse blocks they point into keep valid (see logparse.Record); the
// caller may reuse rec at once.
func (w *Writer) Write(rec *logparse.Record, dist string) error {
	if w.err != nil {
		return w.err
	}
	if w.cur == nil {
		return errClosed
	}
	if rec.Time.IsZero() {
		return fmt.Errorf("dataset: record (line %d) has no time", rec.Line)
	}
	if dist == "" {
		dist = w.opts.DistributionID
	}
	b := w.cur
	fill(b, b.n, rec, dist)
	return w.added(rawSize(rec))
}

// added counts the row just stored in the current batch, rawBytes its
// size as logged, and sends the batch when it is full.
func (w *Writer) added(rawBytes int64) error {
	b := w.cur
	b.n++
	// rawBytes, the row's rough size as logged, decides when to measure the
	// row group (see send), and bounds the input a batch keeps alive.
	w.rawBytes += rawBytes
	w.curBytes += rawBytes
	if b.n == batchRows || w.curBytes >= maxBatchBytes || w.groupRows+int64(b.n) >= w.opts.RowGroupRows {
		return w.send()
	}
	return nil
}

// rawSize is a rough size of the record's row as logged, for deciding when
// to measure the row group (see send).
func rawSize(rec *logparse.Record) int64 {
	return int64(rowOverhead + len(rec.URIStem) + len(rec.UserAgent) + len(rec.Referrer) +
		len(rec.Query) + len(rec.Cookie) + len(rec.ForwardedFor))
}

// rowOverhead is what a row's fixed-size fields and short strings add to
// its variable-length ones, roughly, as logged.
const rowOverhead = 200

// maxBatchBytes ends a batch before batchRows rows when its rows are long:
// a batch keeps its records' input blocks alive until it is written, so
// this bounds that memory (lines near logparse's 1 MiB limit would
// otherwise keep 512 MiB alive per batch).
const maxBatchBytes = 4 << 20

// send hands the current batch to the workers, takes a free one, and ends
// the row group when it is full.
func (w *Writer) send() error {
	if p := w.werr.Load(); p != nil {
		w.err = *p
		return w.err
	}
	b := w.cur
	w.curBytes = 0
	if b.n == 0 {
		return nil
	}
	b.pending = int32(len(w.workers))
	for _, wk := range w.workers {
		wk.jobs <- b
	}
	w.rows += int64(b.n)
	w.groupRows += int64(b.n)
	w.cur = <-w.free
	w.cur.reset()
	if w.groupRows >= w.opts.RowGroupRows {
		return w.endRowGroup()
	}
	// Measuring the row group's size means pausing the workers, so it is
	// done only after an eighth of RowGroupBytes of logged data since the
	// last measurement; the logged size is far above the encoded one.
	if w.rawBytes >= w.opts.RowGroupBytes/8 {
		w.rawBytes = 0
		if err := w.barrier(); err != nil {
			return err
		}
		if w.buffered() >= w.opts.RowGroupBytes {
			return w.endRowGroup()
		}
	}
	return nil
}

// barrier waits until the workers have written every batch sent so far; the
// caller then has the Parquet writer to itself until the next send.
func (w *Writer) barrier() error { return w.wait(nil) }

// flushPages is a barrier after which every column's last page is written
// too: the workers compress their columns' pages in parallel, which the
// Parquet writer's Flush and Close would do one column after another on
// the caller's goroutine.
func (w *Writer) flushPages() error { return w.wait(w.flush) }

func (w *Writer) wait(job *batch) error {
	for _, wk := range w.workers {
		wk.jobs <- job
	}
	for range w.workers {
		<-w.idle
	}
	if p := w.werr.Load(); p != nil {
		w.err = *p
	}
	return w.err
}

// endRowGroup writes the current row group.
func (w *Writer) endRowGroup() error {
	if err := w.flushPages(); err != nil {
		return err
	}
	w.rawBytes = 0
	if w.groupRows == 0 {
		return nil
	}
	if err := w.enc.writeRowGroup(w.groupRows); err != nil {
		w.err = fmt.Errorf("dataset: writing row group: %w", err)
		return w.err
	}
	w.groupRows = 0
	w.releaseIdle()
	return nil
}

// buffered is the current row group's size so far: its encoded pages, the
// open pages and the dictionaries. The workers must be idle.
func (w *Writer) buffered() int64 { return w.enc.buffered() }

// closeFile writes the last row group, if it has rows, the page index and
// the footer. The workers must be idle.
func (w *Writer) closeFile() error {
	if w.groupRows > 0 {
		if err := w.enc.writeRowGroup(w.groupRows); err != nil {
			return fmt.Errorf("dataset: writing row group: %w", err)
		}
		w.groupRows = 0
	}
	if err := w.enc.close(); err != nil {
		return fmt.Errorf("dataset: writing footer: %w", err)
	}
	return nil
}

// releaseIdle drops the references that written batches still hold into
// the reader's blocks, so that no input outlives its row group. The
// workers must be idle (after a barrier).
func (w *Writer) releaseIdle() {
	for range numBatches - 1 {
		b := <-w.free
		b.n = 0
		b.clearValues()
		w.free <- b
	}
	w.cur.clearValues()
}

// Flush writes the buffered rows and ends the current row group.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.cur == nil {
		return errClosed
	}
	if err := w.send(); err != nil {
		return err
	}
	return w.endRowGroup()
}

// Close writes the buffered rows and the file footer, and ends the Writer's
// workers. It does not close the underlying io.Writer.
func (w *Writer) Close() error {
	if w.cur == nil {
		return w.err
	}
	if w.err == nil {
		w.err = w.send()
	}
	if w.err == nil {
		w.err = w.flushPages()
	}
	for _, wk := range w.workers {
		close(wk.jobs)
	}
	if w.err == nil {
		w.err = w.closeFile()
	}
	// Drop the references the batches hold into input blocks. After a
	// failed send the workers may still hold batches: they free them when
	// their closed channels drain.
	w.cur.release()
	for range numBatches - 1 {
		(<-w.free).release()
	}
	w.cur = nil
	return w.err
}

// fail records a worker's error, the first one only.
func (w *Writer) fail(c int, err error) {
	err = fmt.Errorf("dataset: writing column %s: %w", colNames[c], err)
	w.werr.CompareAndSwap(nil, &err)
}

// work is a column worker's goroutine.
func (w *Writer) work(wk *columnWorker) {
	for b := range wk.jobs {
		if b == nil {
			w.idle <- struct{}{}
			continue
		}
		if b == w.flush {
			if w.werr.Load() == nil {
				for _, c := range wk.cols {
					if err := w.enc.flushColumn(c); err != nil {
						w.fail(c, err)
						break
					}
				}
			}
			w.idle <- struct{}{}
			continue
		}
		if w.werr.Load() == nil {
			for _, c := range wk.cols {
				if err := w.enc.writeColumn(c, b); err != nil {
					w.fail(c, err)
					break
				}
			}
		}
		if atomic.AddInt32(&b.pending, -1) == 0 {
			w.free <- b
		}
	}
}
