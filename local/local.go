// Package local is the report engine that reads the input itself: log files
// (every format CloudFront writes) and the files of cfwatch's Parquet
// dataset (source.Object.Parquet), local or on S3, which give the same
// report. It is the peer of package athena, which computes the same
// report.Report with SQL over the dataset's table; both implement
// report.Engine.
//
// The dataset's files are read with dataset.Reader, only the columns the
// audit uses (datasetColumns). Many log files are decompressed and parsed
// at once (Options.Parallel, parallel.go), the records counted in name
// order, so the report does not depend on how the input was read.
package local

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// Options configure how the local engine reads its input. They do not
// change the report.
type Options struct {
	// Logger receives one line per bad input line (up to
	// report.MaxLineErrors), per bad value (up to report.MaxFieldErrors)
	// and per failed file. Nil discards.
	Logger *slog.Logger
	// Progress, when set, is called from Run's goroutine as the input is
	// read: at the start, every few thousand records and after each file.
	// It should return quickly (throttle any drawing itself).
	Progress func(Progress)
	// Workers is how many files are fetched ahead of the parsing: 0 means
	// source.DefaultWorkers (none for local files read in parallel), a
	// negative number none.
	Workers int
	// ReadAhead bounds the bytes the files fetched ahead hold in memory: 0
	// means source.DefaultBudget, or DefaultParallelReadAhead when files
	// are read in parallel (Parallel). A larger file is streamed. Local
	// files read in parallel are not fetched ahead unless Workers is set.
	ReadAhead int64
	// Parallel is how many log files are decompressed and parsed at once,
	// each by one goroutine: 0 means runtime.GOMAXPROCS. With 1, or a
	// single file, files are read one at a time (decompression still runs
	// ahead of parsing). The records are counted in name order whatever
	// it is.
	Parallel int
	// ParallelBudget bounds the memory the records parsed ahead of the file
	// being counted hold: 0 means DefaultParallelBudget. When it is spent,
	// the workers ahead wait.
	ParallelBudget int64
}

// Progress is how far a run has read its input.
type Progress struct {
	FilesDone, FilesTotal int
	// BytesDone counts the bytes read from the objects as stored
	// (compressed); a file that ends early counts in full.
	BytesDone, BytesTotal int64
}

// An Engine is the local engine over a listing (report.Engine).
type Engine struct {
	// Listing is the input: the objects listed for the window and the
	// baseline (report.Union), what their names left out and the nearest
	// data that says.
	Listing source.Listing
	Options Options
}

var _ report.Engine = (*Engine)(nil)

// Report runs the audit opts over e's listing (Run).
func (e *Engine) Report(ctx context.Context, opts report.Options) (*report.Report, error) {
	return Run(ctx, e.Listing, opts, e.Options)
}

// Run reads every object of the listing and builds the report of the audit
// opts. A file that cannot be read to the end is recorded in
// Input.FailedFiles and the run goes on; Run returns an error only when
// ctx ends or the options are invalid.
//
// The report depends only on the records read, not on the order of the
// objects nor on how they were fetched.
func Run(ctx context.Context, in source.Listing, opts report.Options, o Options) (*report.Report, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := report.NewCounter(opts)
	if err != nil {
		return nil, err
	}
	input := c.Input()

	// Objects listed for both periods: leave out those that can hold
	// neither's records.
	near, skipped := in.Near, in.Skipped
	kept := make([]source.Object, 0, len(in.Objects))
	for _, obj := range in.Objects {
		if obj.KeyOK && !c.MayHold(obj.Key.Hour) {
			skipped++
			near.Span(obj.Key.Hour, obj.Key.Hour.Add(time.Hour), opts.Window)
			continue
		}
		if obj.KeyOK && obj.Key.DistributionID != "" && !c.KeepDistribution(obj.Key.DistributionID) {
			input.FilesFiltered++
			continue
		}
		kept = append(kept, obj)
	}
	// Read in name order, whatever order the objects were listed or
	// fetched in: the detectors see the records in the same order.
	slices.SortStableFunc(kept, func(a, b source.Object) int { return strings.Compare(a.Name, b.Name) })
	objs := kept
	input.FilesOutsideWindow = skipped

	rd := &reading{c: c, in: input, log: log, report: o.Progress}
	rd.progress.FilesTotal = len(objs)
	for _, obj := range objs {
		rd.progress.BytesTotal += obj.Size
	}
	rd.tick()
	parallel := o.Parallel
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	parallel = min(parallel, logFiles(objs))
	workers, readAhead := o.Workers, o.ReadAhead
	if workers == 0 {
		workers = source.DefaultWorkers
		if parallel > 1 && allLocal(objs) {
			// The workers read local files themselves: reading them
			// ahead into memory would only add copies.
			workers = -1
		}
	}
	if readAhead == 0 && parallel > 1 {
		readAhead = DefaultParallelReadAhead
	}
	files := source.Prefetch(ctx, objs, workers, readAhead)
	defer files.Close()
	onFile := func(obj source.Object, err error) {
		input.Files++
		input.Bytes += obj.Size
		if err != nil {
			fe := report.FileError{File: obj.Name, Error: err.Error()}
			var se *logparse.StreamError
			var pe *partialError
			switch {
			case errors.As(err, &se):
				fe.Records = se.Records
			case errors.As(err, &pe):
				fe.Records = pe.records
			}
			log.Error("file not fully read", "file", obj.Name, "err", err)
			input.FailedFiles = append(input.FailedFiles, fe)
		}
		rd.done += max(obj.Size, rd.read)
		rd.progress.FilesDone++
		rd.progress.BytesDone = rd.done
		rd.tick()
	}
	if parallel > 1 {
		if err := rd.readParallel(ctx, objs, files, parallel, o.ParallelBudget, onFile); err != nil {
			return nil, err
		}
	} else {
		for {
			obj, rc, err := files.Next()
			if err == io.EOF {
				break
			}
			if cerr := ctx.Err(); cerr != nil {
				if rc != nil {
					rc.Close()
				}
				return nil, cerr
			}
			if err == nil {
				err = rd.readObject(ctx, obj, rc)
				rc.Close()
			}
			onFile(obj, err)
		}
	}
	return c.Finish(near), nil
}

// logFiles counts the log files (not Parquet) among objs.
func logFiles(objs []source.Object) int {
	n := 0
	for _, o := range objs {
		if !o.Parquet {
			n++
		}
	}
	return n
}

// allLocal reports whether every object is a local file.
func allLocal(objs []source.Object) bool {
	for _, o := range objs {
		if source.IsS3(o.Name) {
			return false
		}
	}
	return true
}

// reading is the state of Run's pass over the objects.
type reading struct {
	c   *report.Counter
	in  *report.Input
	log *slog.Logger

	report   func(Progress)
	progress Progress
	done     int64 // bytes of the files finished
	read     int64 // bytes read from the last file

	parquet *dataset.Reader // reads the dataset's files, one after the other
}

func (rd *reading) tick() {
	if rd.report != nil {
		rd.report(rd.progress)
	}
}

// countingReader counts the bytes read through it. The log reader reads
// from it on its own goroutine, hence the atomic.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progressEvery is how many records pass between two Progress calls.
const progressEvery = 4096

// readObject reads the records of obj from rc, which Run opened (and may
// have fetched ahead).
func (rd *reading) readObject(ctx context.Context, obj source.Object, rc io.Reader) error {
	if obj.Parquet {
		return rd.readParquet(ctx, obj, rc)
	}
	rd.read = 0
	cr := &countingReader{r: rc}
	defer func() { rd.read = cr.n.Load() }()
	r := logparse.NewReader(cr)
	r.Name = obj.Name
	defer r.Close()
	read := func() int64 { return cr.n.Load() }
	err := rd.readRecords(ctx, obj, obj.Key.DistributionID, r, read) // legacy logs name it only in the key
	if fe := (*logparse.FormatError)(nil); errors.As(err, &fe) && fe.Parquet {
		// A Parquet file under a name that does not say so: open it
		// again, to read it at random.
		return rd.reopenParquet(ctx, obj)
	}
	return err
}

// A recordReader reads records for readRecords: a log (logparse.Reader),
// a v2 Parquet log (logparse.ParquetReader) or a dataset file
// (datasetRecords).
type recordReader interface {
	Read(*logparse.Record) error
	FieldErrors() []*logparse.ParseError
	Records() int
}

// readRecords counts the records r reads of obj, with dist for those that
// do not name their distribution, and its bad lines and values; read tells
// how many bytes of obj have been read, for the progress. It returns nil at
// the end of the input, a partialError when ctx ends, and the error that
// ended the input otherwise.
func (rd *reading) readRecords(ctx context.Context, obj source.Object, dist string, r recordReader, read func() int64) error {
	defer func() { rd.in.Records += int64(r.Records()) }()
	var rec logparse.Record
	for n := 0; ; n++ {
		if n%progressEvery == progressEvery-1 {
			if err := ctx.Err(); err != nil {
				return &partialError{records: r.Records(), err: err}
			}
			if rd.report != nil {
				b := read()
				if obj.Size > 0 {
					b = min(b, obj.Size)
				}
				rd.progress.BytesDone = rd.done + b
				rd.tick()
			}
		}
		err := r.Read(&rec)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				rd.lineError(obj.Name, pe) // pe names the line or row
				continue
			}
			return err
		}
		for _, fe := range r.FieldErrors() {
			rd.fieldError(obj.Name, fe)
		}
		rd.c.Observe(&rec, dist)
	}
}

// fieldError counts a bad value, and lists it among the first few.
func (rd *reading) fieldError(name string, pe *logparse.ParseError) {
	in := rd.in
	in.InvalidValues++
	if len(in.FieldErrors) >= report.MaxFieldErrors {
		return
	}
	in.FieldErrors = append(in.FieldErrors, report.FileError{File: name, Line: pe.Line, Error: pe.Error()})
	rd.log.Warn("value unknown", "file", name, "line", pe.Line, "err", pe)
}

// lineError counts a line that could not be read, and lists it among the
// first few.
func (rd *reading) lineError(name string, pe *logparse.ParseError) {
	in := rd.in
	in.SkippedLines++
	if len(in.LineErrors) >= report.MaxLineErrors {
		return
	}
	in.LineErrors = append(in.LineErrors, report.FileError{File: name, Line: pe.Line, Error: pe.Error()})
	rd.log.Warn("line skipped", "file", name, "line", pe.Line, "err", pe)
}
