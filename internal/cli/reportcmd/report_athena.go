package reportcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/dustin/go-humanize"

	"github.com/cfwatch/cfwatch/athena"
	"github.com/cfwatch/cfwatch/report"
)

// athenaFlags are the settings of --engine athena.
type athenaFlags struct {
	workgroup, database, table, output string
	distributions                      []string
}

// athenaEngine is the engine that computes the report with Athena over the
// dataset's table; done, called with the engine's error, says on stderr
// what the queries scanned and cost, also when they failed, and adds a
// hint to the errors it knows.
func athenaEngine(ctx context.Context, f athenaFlags, stderr io.Writer, log *slog.Logger) (eng report.Engine, done func(error) error, err error) {
	if f.output != "" && !strings.HasPrefix(f.output, "s3://") {
		return nil, nil, fmt.Errorf("--athena-output %q: want s3://bucket/prefix/", f.output)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("athena: loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := &athena.Client{
		API:            awsathena.NewFromConfig(cfg),
		WorkGroup:      f.workgroup,
		Database:       f.database,
		OutputLocation: f.output,
		Logger:         log,
	}
	eng = &athena.Engine{Querier: c, Options: athena.Options{Table: f.table, Distributions: f.distributions, Logger: log}}
	done = func(err error) error {
		var qe *athena.QueryError
		if errors.As(err, &qe) && strings.Contains(qe.Reason, "injected projected partition column") {
			err = fmt.Errorf("%w\nthe table's distribution partitions are injected: name the distributions with --athena-distribution ID (repeatable)", err)
		}
		st := c.Stats()
		if st.Queries > 0 {
			fmt.Fprintf(stderr, "athena: %d queries in workgroup %s (%s) scanned %s: about $%.4f at $%.0f per TB scanned (list price in us-east-1; at least 10 MB billed per query)\n",
				st.Queries, c.WorkGroup, cfg.Region, humanize.IBytes(uint64(st.DataScannedBytes)), st.CostUSD(), athena.PricePerTBScanned)
		}
		return err
	}
	return eng, done, nil
}
