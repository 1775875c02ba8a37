package local

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
)

// datasetColumns are the dataset's columns a report reads: the fields of
// logparse.Record that the traffic picture, the NextAuth endpoints and the
// detectors use (request_time is always read). Reading only these skips
// most of each file (user agents, referrers, TLS details…). The test
// comparing a report over logs with one over the dataset written from them
// (TestDatasetMatchesLogs) fails if a rule starts to use another field.
var datasetColumns = []string{
	"distribution_id", "x_host_header", "cs_host", "cs_uri_stem", "cs_uri_query", "cs_method",
	"sc_status", "sc_bytes", "cs_bytes", "sc_content_type", "sc_content_len",
	"x_edge_result_type", "x_edge_response_result_type", "x_edge_detailed_result_type", "fle_status", "time_to_first_byte",
	"cs_protocol", "cs_cookie", "x_edge_request_id", "c_ip",
}

// partialError is a file that failed after some of its records were read.
type partialError struct {
	records int
	err     error
}

func (e *partialError) Error() string { return e.err.Error() }
func (e *partialError) Unwrap() error { return e.err }

// readParquet reads the records of a dataset file, as readObject reads a
// log's. Records carry their distribution (the distribution_id column), so
// the object key's is not used.
func (rd *reading) readParquet(ctx context.Context, obj source.Object, rc io.Reader) error {
	rd.read = 0
	rr, err := source.RandomAccess(rc)
	if err != nil {
		return fmt.Errorf("%s: %w", obj.Name, err)
	}
	opts := dataset.ReaderOptions{Columns: datasetColumns, Name: obj.Name}
	if rr.Remote {
		opts.BufferSize = 1 << 20 // a ranged GET per MiB and column read, not per 256 KiB
	}
	if rd.parquet == nil {
		rd.parquet = &dataset.Reader{}
	}
	r := rd.parquet // one Reader for every file: its buffers are reused
	if err := r.Reset(rr, rr.Size, opts); err != nil {
		if errors.Is(err, dataset.ErrNotDataset) {
			// Not cfwatch's own: CloudFront's standard logging v2 Parquet
			// output, if its columns are log fields (its footer is read
			// twice: once more from memory, or one more ranged GET).
			return rd.readLogParquet(ctx, obj, rr)
		}
		return err
	}
	defer r.Close()
	total := max(r.NumRows(), 1)
	err = rd.readRecords(ctx, obj, "", datasetRecords{r}, func() int64 { return obj.Size * r.Rows() / total })
	if err != nil {
		if pe := (*partialError)(nil); !errors.As(err, &pe) {
			err = &partialError{records: int(r.Rows()), err: err}
		}
		return err
	}
	rd.read = obj.Size
	return nil
}

// datasetRecords reads a dataset file's records for readRecords: a
// dataset file has no bad lines or values (they were counted when it was
// written).
type datasetRecords struct{ *dataset.Reader }

func (datasetRecords) FieldErrors() []*logparse.ParseError { return nil }
func (r datasetRecords) Records() int                      { return int(r.Rows()) }

// reopenParquet reads obj, whose content turned out to be Parquet though its
// name does not end in ".parquet": opened again, to be read at random.
func (rd *reading) reopenParquet(ctx context.Context, obj source.Object) error {
	rc, err := obj.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	return rd.readParquet(ctx, obj, rc)
}

// readLogParquet reads a CloudFront standard logging v2 Parquet file as
// readObject reads a log in another format: the same records, bad rows and
// values counted and listed the same way.
func (rd *reading) readLogParquet(ctx context.Context, obj source.Object, rr source.RandomReader) error {
	r, err := logparse.NewParquetReader(rr, rr.Size, obj.Name)
	if err != nil {
		return err
	}
	defer r.Close()
	total := max(r.NumRows(), 1)
	// A v2 log may leave out its DistributionId field: the key names it.
	err = rd.readRecords(ctx, obj, obj.Key.DistributionID, r, func() int64 { return obj.Size * int64(r.Line()) / total })
	if err != nil {
		return err
	}
	rd.read = obj.Size
	return nil
}
