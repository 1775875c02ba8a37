package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
)

// DefaultMaxOpenHours bounds the hour partitions one log file writes at
// once (see Options.MaxOpenHours): CloudFront's files hold one hour and
// stragglers of the hours before and after it.
const DefaultMaxOpenHours = 3

// MaxLineErrors bounds how many bad lines, and how many bad values, of one
// file are logged; all are counted.
const MaxLineErrors = 5

// Options configure a Processor.
type Options struct {
	// Detectors configures the rules run on each file. The zero value
	// means detectors.DefaultConfig().
	Detectors detectors.Config
	// Engine, when not nil, receives every record instead of a fresh
	// engine per file, and Result.Findings stays empty: for local runs
	// that judge several files together. Process must then not be called
	// concurrently.
	Engine *detectors.Engine
	// Dataset configures the Parquet writer.
	Dataset dataset.Options
	// MaxOpenHours bounds the hour partitions a file writes at once, each
	// with its own Parquet writer, buffers and object being written. A
	// file writes one object per hour its records fall in, whatever their
	// order: the first MaxOpenHours hours of a file are written as it is
	// read; the records of any further hour are spooled (encoded and
	// redacted, in memory up to SpoolMemory bytes, then in a temporary
	// file in SpoolDir) and written after the log has been read, one hour
	// at a time. Default DefaultMaxOpenHours.
	MaxOpenHours int
	// SpoolDir is where a file whose records span more than MaxOpenHours
	// hours spools the rest (one temporary file per log file, removed
	// when it is done). Default os.TempDir().
	SpoolDir string
	// SpoolMemory is how many bytes of spooled rows a file keeps in memory
	// before they go to its spool file. Default DefaultSpoolMemory.
	SpoolMemory int
	// MaxParquetBytes bounds a standard logging v2 Parquet log read from a
	// stream, which is spooled to a temporary file in SpoolDir to be read
	// at random (a local file is read in place). Default
	// DefaultMaxParquetBytes.
	MaxParquetBytes int64
	// Logger receives one line per skipped line and one per invalid value
	// (at most MaxLineErrors of each per file). Nil discards.
	Logger *slog.Logger
}

// A Processor turns log files into Parquet files in a Sink, running the
// detectors on the way.
type Processor struct {
	sink Sink
	opts Options
	log  *slog.Logger
}

// NewProcessor returns a Processor that writes to sink.
func NewProcessor(sink Sink, opts Options) *Processor {
	if opts.Detectors.Window == 0 {
		opts.Detectors = detectors.DefaultConfig()
	}
	if opts.MaxOpenHours <= 0 {
		opts.MaxOpenHours = DefaultMaxOpenHours
	}
	if opts.SpoolMemory <= 0 {
		opts.SpoolMemory = DefaultSpoolMemory
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Processor{sink: sink, opts: opts, log: log}
}

// An Input is one log file to process.
type Input struct {
	// Name names the file in errors and logs: s3://bucket/key or a path.
	Name string
	// Key is the object key or file name; CloudFront's layouts give the
	// distribution and the hour (logparse.ParseKey), and its last element
	// names the output files.
	Key string
	// Body is the file's content, gzipped or not.
	Body io.Reader

	// observer, when set, receives the records instead of the engine
	// (ProcessObjects' ordered runs with a shared engine).
	observer observer
}

// An observer receives every record read, as detectors.Engine does.
type observer interface {
	Observe(rec *logparse.Record, dist string)
}

// Status says what became of a file.
type Status string

// Statuses of a processed file.
const (
	StatusOK      Status = "ok"        // read to the end and written
	StatusEmpty   Status = "empty"     // no records: nothing written
	StatusNotALog Status = "not-a-log" // not a CloudFront access log (binary, a refused header, no record): skipped
	StatusDeleted Status = "deleted"   // gone before it could be read
	StatusSkipped Status = "skipped"   // not read, see Result.Reason
	StatusFailed  Status = "failed"    // see the error
)

// An Output is one Parquet file written.
type Output struct {
	Location string `json:"location"` // s3://bucket/key or path
	Rows     int64  `json:"rows"`
}

// Result is what processing one file did.
type Result struct {
	Name    string `json:"object"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Records int64  `json:"records"`
	// SkippedLines counts the lines that could not be read (each a
	// logparse.ParseError); the rest of the file was read.
	SkippedLines int64 `json:"skipped_lines"`
	// InvalidValues counts the values that could not be read (field
	// errors): their records are written with those columns NULL.
	InvalidValues int64               `json:"invalid_values"`
	Bytes         int64               `json:"bytes"` // bytes read, as stored (compressed)
	Outputs       []Output            `json:"outputs,omitempty"`
	Findings      []detectors.Finding `json:"findings,omitempty"`
	Duration      time.Duration       `json:"-"`
}

// LogAttrs returns r as log attributes (no finding details: those may be
// long and go to the alerts).
func (r *Result) LogAttrs() []any {
	rules := make([]string, 0, len(r.Findings))
	for _, f := range r.Findings {
		rules = append(rules, f.Rule)
	}
	attrs := []any{
		"object", r.Name, "status", string(r.Status),
		"records", r.Records, "skipped_lines", r.SkippedLines, "invalid_values", r.InvalidValues, "bytes", r.Bytes,
		"outputs", len(r.Outputs), "findings", len(r.Findings),
		"duration_ms", r.Duration.Milliseconds(),
	}
	if len(rules) > 0 {
		attrs = append(attrs, "rules", rules)
	}
	if r.Reason != "" {
		attrs = append(attrs, "reason", r.Reason)
	}
	return attrs
}

// Process reads one log file to the end, runs the detectors over it and
// writes its records as Parquet, one file per hour partition of the
// records, whatever their order (dataset.PartitionPath; the same input
// always gives the same keys and bytes, so a repeated run replaces its own
// output instead of adding to it).
//
// A line that cannot be read is counted, logged and skipped. A file that
// cannot be read to the end (corrupt or truncated gzip, a failed read)
// leaves no output at all, and the error names the file and how many
// records were read before the failure. A file that is not an access log,
// and an empty one, write nothing and are no error (Result.Status).
func (p *Processor) Process(ctx context.Context, in Input) (Result, error) {
	start := time.Now()
	res := Result{Name: in.Name}
	cr := &countingReader{r: in.Body}
	br := bufio.NewReaderSize(cr, 64<<10) // logparse.NewReader uses it as it is
	var r recordReader
	var parquetSize int64
	if head, _ := br.Peek(len(logparse.ParquetMagic)); logparse.IsParquet(head) {
		pr, size, done, err := p.openParquet(in, br)
		if err != nil {
			res.Bytes = cr.n.Load()
			res.Duration = time.Since(start)
			var fe *logparse.FormatError
			if errors.As(err, &fe) {
				res.Status, res.Reason = StatusNotALog, fe.Error()
				return res, nil
			}
			res.Status = StatusFailed
			return res, err
		}
		defer done()
		r, parquetSize = pr, size
	} else {
		lr := logparse.NewReader(br)
		lr.Name = in.Name
		r = lr
	}
	defer r.Close()

	key, _ := logparse.ParseKey(in.Key)
	eng := p.opts.Engine
	if eng == nil {
		var err error
		if eng, err = detectors.New(p.opts.Detectors); err != nil {
			res.Status = StatusFailed
			return res, fmt.Errorf("%s: %w", in.Name, err)
		}
	}
	parts := &partitions{
		p:    p,
		ctx:  ctx,
		base: outputBase(in.Key),
		dist: key.DistributionID,
		max:  p.opts.MaxOpenHours,
	}
	var obs observer = eng
	if in.observer != nil {
		obs = in.observer
	}
	err := p.read(ctx, r, in.Name, &res, obs, parts, key.DistributionID)
	res.Records = int64(r.Records())
	res.SkippedLines = int64(r.Skipped())
	res.InvalidValues = int64(r.FieldErrorCount())
	res.Bytes = max(cr.n.Load(), parquetSize)
	if err == nil {
		res.Outputs, err = parts.commit()
	}
	res.Duration = time.Since(start)
	if err != nil {
		parts.abort(err)
		var fe *logparse.FormatError
		if errors.As(err, &fe) && res.Records == 0 {
			res.Status, res.Reason = StatusNotALog, fe.Error()
			return res, nil
		}
		res.Status = StatusFailed
		return res, err
	}
	if res.Records == 0 {
		res.Status, res.Reason = StatusEmpty, "no records"
		return res, nil
	}
	res.Status = StatusOK
	if p.opts.Engine == nil {
		res.Findings = eng.Findings()
	}
	return res, nil
}

// ctxCheckEvery is how many records pass between checks of the context.
const ctxCheckEvery = 4096

// recordReader reads a log's records: a logparse.Reader, or a
// logparse.ParquetReader for CloudFront's standard logging v2 Parquet.
type recordReader interface {
	Read(*logparse.Record) error
	Records() int
	Skipped() int
	FieldErrors() []*logparse.ParseError
	FieldErrorCount() int
	Line() int
	Close() error
}

func (p *Processor) read(ctx context.Context, r recordReader, name string, res *Result, eng observer, parts *partitions, dist string) error {
	var rec logparse.Record
	logged, loggedValues := 0, 0
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		err := r.Read(&rec)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				if logged < MaxLineErrors {
					logged++
					p.log.Warn("line skipped", "object", name, "line", pe.Line, "err", pe.Error())
				}
				continue
			}
			return err
		}
		for _, fe := range r.FieldErrors() {
			if loggedValues < MaxLineErrors {
				loggedValues++
				p.log.Warn("value unknown: written as NULL", "object", name, "line", fe.Line, "err", fe.Error())
			}
		}
		eng.Observe(&rec, dist)
		if err := parts.write(&rec, dist); err != nil {
			return fmt.Errorf("%s: line %d: writing Parquet: %w", name, r.Line(), err)
		}
	}
}

// maxOutputName bounds the part of an output's name taken from the log
// file's name, in bytes: with the hash, ".parquet" and a temporary file's
// suffix, a name stays far below the 255 bytes file systems allow.
const maxOutputName = 120

// outputBase names a file's Parquet output: the last element of its key
// without the compression suffix, then a short hash of the whole key, so
// two logs of the same name under different prefixes never overwrite each
// other's output and the same key always gives the same name. A name
// longer than maxOutputName keeps its first bytes, and the hash is longer.
func outputBase(key string) string {
	base := path.Base(strings.TrimRight(key, "/"))
	for _, ext := range []string{".gz", ".log", ".txt", ".json"} {
		base = strings.TrimSuffix(base, ext)
	}
	if base == "" || base == "." || base == "/" {
		base = "log"
	}
	base = sanitizeName(base)
	sum := sha256.Sum256([]byte(key))
	if len(base) > maxOutputName {
		return base[:maxOutputName-9] + "." + hex.EncodeToString(sum[:8])
	}
	return base + "." + hex.EncodeToString(sum[:4])
}

// sanitizeName keeps letters, digits and "-_." and replaces the rest, so a
// hostile key cannot add path elements or odd bytes to the output's key.
func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			b[i] = '_'
		}
	}
	return strings.TrimLeft(string(b), ".")
}

type countingReader struct {
	r io.Reader
	n atomic.Int64 // read by the caller while the decompressor goroutine reads
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
