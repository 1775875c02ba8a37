package ingest

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/cfwatch/cfwatch/logparse"
)

// DefaultMaxParquetBytes bounds the size of a standard logging v2 Parquet
// log that ingest reads from a stream (Options.MaxParquetBytes).
const DefaultMaxParquetBytes = 1 << 30

// openParquet opens a Parquet log (CloudFront's standard logging v2 Parquet
// output) whose first bytes br holds. A Parquet file is read at random (its
// footer first) and cannot be streamed: a local file is read where it is
// (*os.File, through ReadAt); any other body (an S3 GetObject response in
// the Lambda) is spooled to a temporary file in SpoolDir, at most
// MaxParquetBytes (default 1 GiB; the Lambda's ephemeral storage must hold
// it), then read from there. Spooling rather than ranged GETs costs one
// sequential read of the object, which the handler already has open, and
// no request per column chunk. size is the file's; done removes the
// temporary file.
func (p *Processor) openParquet(in Input, br *bufio.Reader) (_ *logparse.ParquetReader, size int64, done func(), err error) {
	done = func() {}
	var ra io.ReaderAt
	if f, ok := in.Body.(*os.File); ok {
		st, err := f.Stat()
		if err != nil {
			return nil, 0, done, fmt.Errorf("%s: %w", in.Name, err)
		}
		ra, size = f, st.Size()
	} else {
		f, err := os.CreateTemp(p.opts.SpoolDir, "cfwatch-parquet-*")
		if err != nil {
			return nil, 0, done, fmt.Errorf("%s: spooling the Parquet log: %w", in.Name, err)
		}
		done = func() {
			f.Close()
			os.Remove(f.Name())
		}
		limit := p.opts.MaxParquetBytes
		if limit <= 0 {
			limit = DefaultMaxParquetBytes
		}
		n, err := io.Copy(f, io.LimitReader(br, limit+1))
		if err != nil {
			done()
			return nil, 0, func() {}, fmt.Errorf("%s: spooling the Parquet log: %w", in.Name, err)
		}
		if n > limit {
			done()
			return nil, 0, func() {}, fmt.Errorf("%s: a Parquet log larger than %d bytes (MaxParquetBytes): not read", in.Name, limit)
		}
		ra, size = f, n
	}
	pr, err := logparse.NewParquetReader(ra, size, in.Name)
	if err != nil {
		done()
		return nil, 0, func() {}, err
	}
	return pr, size, done, nil
}
