package athena

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/athena/types"
)

// API is the part of the Athena API a Client calls; the SDK's
// *athena.Client (github.com/aws/aws-sdk-go-v2/service/athena) has it.
type API interface {
	StartQueryExecution(ctx context.Context, in *sdk.StartQueryExecutionInput, opts ...func(*sdk.Options)) (*sdk.StartQueryExecutionOutput, error)
	GetQueryExecution(ctx context.Context, in *sdk.GetQueryExecutionInput, opts ...func(*sdk.Options)) (*sdk.GetQueryExecutionOutput, error)
	GetQueryResults(ctx context.Context, in *sdk.GetQueryResultsInput, opts ...func(*sdk.Options)) (*sdk.GetQueryResultsOutput, error)
	StopQueryExecution(ctx context.Context, in *sdk.StopQueryExecutionInput, opts ...func(*sdk.Options)) (*sdk.StopQueryExecutionOutput, error)
}

// Defaults of Client.
const (
	DefaultWorkGroup   = "primary"
	DefaultDatabase    = "cfwatch"
	DefaultPoll        = 250 * time.Millisecond
	DefaultMaxPoll     = 5 * time.Second
	DefaultPageSize    = 1000 // the most GetQueryResults returns
	stopTimeout        = 10 * time.Second
	minBilledBytes     = 10 << 20 // Athena bills at least 10 MB a query
	billedUnit         = 1 << 20  // and rounds up to the megabyte
	PricePerTBScanned  = 5.0      // USD, list price in us-east-1
	bytesPerTB         = 1 << 40
	maxStateChangeText = 2000
)

// A Client runs statements with Athena: StartQueryExecution, then
// GetQueryExecution until the statement finishes (polled every
// PollInterval at first, one and a half times longer each time, at most
// MaxPollInterval apart), then GetQueryResults page by page (NextToken).
// When the context ends first, the statement is stopped
// (StopQueryExecution). It is safe for concurrent use.
type Client struct {
	API API
	// WorkGroup runs the statements (its settings may force an output
	// location and a data-scanned limit). Default "primary".
	WorkGroup string
	// Database holds the table. Default "cfwatch".
	Database string
	// Catalog is the data catalog; "" is the account's Glue catalog.
	Catalog string
	// OutputLocation is where Athena writes the results (s3://bucket/prefix/);
	// "" leaves it to the workgroup's setting.
	OutputLocation string
	// PollInterval and MaxPollInterval pace GetQueryExecution (defaults
	// DefaultPoll and DefaultMaxPoll). PageSize is the rows per
	// GetQueryResults (default and at most 1000).
	PollInterval, MaxPollInterval time.Duration
	PageSize                      int32
	// Logger receives a line per statement started, finished or stopped.
	// Nil discards.
	Logger *slog.Logger

	mu    sync.Mutex
	stats Stats
}

// Stats is what a Client's statements cost.
type Stats struct {
	Queries          int           // statements that finished
	DataScannedBytes int64         // as Athena reports it
	BilledBytes      int64         // rounded up to the MB, at least 10 MB a statement
	EngineTime       time.Duration // Athena's engine execution time, summed
}

// CostUSD is the list price of the data scanned: $5 per TB in us-east-1
// (at least 10 MB billed per statement). Other regions and discounts are
// not accounted for.
func (s Stats) CostUSD() float64 { return float64(s.BilledBytes) * PricePerTBScanned / bytesPerTB }

// Stats returns the cost of the statements run so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *Client) log() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Start submits sql.
func (c *Client) Start(ctx context.Context, name, sql string) (Query, error) {
	in := &sdk.StartQueryExecutionInput{
		QueryString: aws.String(sql),
		WorkGroup:   aws.String(c.WorkGroup),
		QueryExecutionContext: &types.QueryExecutionContext{
			Database: aws.String(c.Database),
		},
	}
	if c.WorkGroup == "" {
		in.WorkGroup = aws.String(DefaultWorkGroup)
	}
	if c.Database == "" {
		in.QueryExecutionContext.Database = aws.String(DefaultDatabase)
	}
	if c.Catalog != "" {
		in.QueryExecutionContext.Catalog = aws.String(c.Catalog)
	}
	if c.OutputLocation != "" {
		in.ResultConfiguration = &types.ResultConfiguration{OutputLocation: aws.String(c.OutputLocation)}
	}
	out, err := c.API.StartQueryExecution(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("athena: starting the %s query in workgroup %s: %w", name, aws.ToString(in.WorkGroup), err)
	}
	id := aws.ToString(out.QueryExecutionId)
	c.log().Info("athena query started", "query", name, "id", id)
	return &execution{c: c, name: name, id: id}, nil
}

// Query runs sql and hands its rows to fn: Start, then Rows.
func (c *Client) Query(ctx context.Context, name, sql string, fn func(row []*string) error) error {
	q, err := c.Start(ctx, name, sql)
	if err != nil {
		return err
	}
	return q.Rows(ctx, fn)
}

// execution is a statement a Client started.
type execution struct {
	c    *Client
	name string
	id   string
}

// A QueryError is a statement that Athena did not run to the end.
type QueryError struct {
	Name, ID string
	State    types.QueryExecutionState // FAILED or CANCELLED
	Reason   string                    // StateChangeReason, or AthenaError's message
	Type     string                    // AthenaError's category and type, when given
}

func (e *QueryError) Error() string {
	s := fmt.Sprintf("athena: the %s query (%s) %s", e.Name, e.ID, map[types.QueryExecutionState]string{
		types.QueryExecutionStateFailed:    "failed",
		types.QueryExecutionStateCancelled: "was cancelled",
	}[e.State])
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Type != "" {
		s += " (" + e.Type + ")"
	}
	return s
}

// Rows waits for the statement and pages its rows to fn.
func (e *execution) Rows(ctx context.Context, fn func(row []*string) error) error {
	if err := e.wait(ctx); err != nil {
		return err
	}
	return e.results(ctx, fn)
}

// wait polls the statement until it finishes, and stops it if ctx ends
// first.
func (e *execution) wait(ctx context.Context) error {
	c := e.c
	delay, maxDelay := c.PollInterval, c.MaxPollInterval
	if delay <= 0 {
		delay = DefaultPoll
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxPoll
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for first := true; ; first = false {
		if !first {
			timer.Reset(delay)
			delay = min(delay*3/2, maxDelay)
		}
		select {
		case <-ctx.Done():
			e.stop(ctx)
			return fmt.Errorf("athena: the %s query (%s) was stopped: %w", e.name, e.id, ctx.Err())
		case <-timer.C:
		}
		out, err := c.API.GetQueryExecution(ctx, &sdk.GetQueryExecutionInput{QueryExecutionId: aws.String(e.id)})
		if err != nil {
			if ctx.Err() != nil {
				e.stop(ctx)
				return fmt.Errorf("athena: the %s query (%s) was stopped: %w", e.name, e.id, ctx.Err())
			}
			return fmt.Errorf("athena: the %s query (%s): %w", e.name, e.id, err)
		}
		qe := out.QueryExecution
		if qe == nil || qe.Status == nil {
			return fmt.Errorf("athena: the %s query (%s): no status", e.name, e.id)
		}
		switch st := qe.Status; st.State {
		case types.QueryExecutionStateSucceeded:
			e.account(qe)
			return nil
		case types.QueryExecutionStateFailed, types.QueryExecutionStateCancelled:
			e.account(qe)
			qerr := &QueryError{Name: e.name, ID: e.id, State: st.State, Reason: aws.ToString(st.StateChangeReason)}
			if ae := st.AthenaError; ae != nil {
				if qerr.Reason == "" {
					qerr.Reason = aws.ToString(ae.ErrorMessage)
				}
				qerr.Type = fmt.Sprintf("error category %d, type %d", aws.ToInt32(ae.ErrorCategory), aws.ToInt32(ae.ErrorType))
			}
			if len(qerr.Reason) > maxStateChangeText {
				qerr.Reason = qerr.Reason[:maxStateChangeText] + "…"
			}
			return qerr
		}
	}
}

// account adds a finished statement's statistics.
func (e *execution) account(qe *types.QueryExecution) {
	var scanned int64
	var engine time.Duration
	if s := qe.Statistics; s != nil {
		scanned = aws.ToInt64(s.DataScannedInBytes)
		engine = time.Duration(aws.ToInt64(s.EngineExecutionTimeInMillis)) * time.Millisecond
	}
	billed := max(minBilledBytes, (scanned+billedUnit-1)/billedUnit*billedUnit)
	c := e.c
	c.mu.Lock()
	c.stats.Queries++
	c.stats.DataScannedBytes += scanned
	c.stats.BilledBytes += billed
	c.stats.EngineTime += engine
	c.mu.Unlock()
	c.log().Info("athena query finished", "query", e.name, "id", e.id, "state", string(qe.Status.State),
		"data_scanned_bytes", scanned, "engine_ms", engine.Milliseconds())
}

// stop asks Athena to stop the statement: ctx has ended, so the request
// gets a context of its own.
func (e *execution) stop(ctx context.Context) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	_, err := e.c.API.StopQueryExecution(sctx, &sdk.StopQueryExecutionInput{QueryExecutionId: aws.String(e.id)})
	if err != nil {
		e.c.log().Warn("athena query not stopped", "query", e.name, "id", e.id, "err", err)
		return
	}
	e.c.log().Info("athena query stopped", "query", e.name, "id", e.id)
}

// results pages the statement's rows. Athena gives a SELECT's column
// names as the first row of the first page: it is dropped.
func (e *execution) results(ctx context.Context, fn func(row []*string) error) error {
	size := e.c.PageSize
	if size <= 0 || size > DefaultPageSize {
		size = DefaultPageSize
	}
	var token *string
	var row []*string
	for page := 0; ; page++ {
		out, err := e.c.API.GetQueryResults(ctx, &sdk.GetQueryResultsInput{
			QueryExecutionId: aws.String(e.id), MaxResults: aws.Int32(size), NextToken: token,
		})
		if err != nil {
			return fmt.Errorf("athena: the %s query (%s): results page %d: %w", e.name, e.id, page+1, err)
		}
		if out.ResultSet != nil {
			rows := out.ResultSet.Rows
			if page == 0 && len(rows) > 0 && isHeader(rows[0], out.ResultSet.ResultSetMetadata) {
				rows = rows[1:]
			}
			for _, r := range rows {
				row = row[:0]
				for _, d := range r.Data {
					row = append(row, d.VarCharValue)
				}
				if err := fn(row); err != nil {
					return fmt.Errorf("athena: the %s query (%s): %w", e.name, e.id, err)
				}
			}
		}
		if out.NextToken == nil || aws.ToString(out.NextToken) == "" {
			return nil
		}
		if token != nil && *token == *out.NextToken {
			return errors.New("athena: GetQueryResults returned the same NextToken twice")
		}
		token = out.NextToken
	}
}

// isHeader reports whether row holds the column names of md.
func isHeader(row types.Row, md *types.ResultSetMetadata) bool {
	if md == nil || len(md.ColumnInfo) == 0 || len(md.ColumnInfo) != len(row.Data) {
		return false
	}
	for i, col := range md.ColumnInfo {
		v := row.Data[i].VarCharValue
		if v == nil || (*v != aws.ToString(col.Name) && *v != aws.ToString(col.Label)) {
			return false
		}
	}
	return true
}
