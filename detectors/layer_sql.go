package detectors

import (
	"fmt"
	"slices"
	"strings"
)

// The SQL twins of Classify and the signature predicates, over the
// dataset's columns (dataset.Row's parquet names, AWS's Athena table for
// standard logs). They run unchanged on Athena (engine v3) and DuckDB;
// TestLayerSQL holds them to the Go functions. Each is an expression to put
// in a SELECT list or a WHERE clause, with no table qualifier.
//
// One known difference, on hostile input only: SQL's lower() lowers
// non-ASCII letters (U+0130 'İ' becomes 'i'), the Go side only ASCII ones,
// so a content type spelled with such letters can match in SQL alone.

const (
	sqlDetailed = "coalesce(x_edge_detailed_result_type, '')"
	sqlResult   = "coalesce(x_edge_result_type, '')"
	sqlResponse = "coalesce(x_edge_response_result_type, '')"
	sqlFLE      = "coalesce(fle_status, '')"
	sqlCType    = "lower(coalesce(sc_content_type, ''))"
	sqlS3Error  = "(sc_status IN (400, 403, 404) AND " + sqlCType + " LIKE 'application/xml%')"
	sqlSigned   = "(strpos(coalesce(cs_uri_query, ''), 'Key-Pair-Id=') > 0 OR strpos(coalesce(cs_cookie, ''), 'CloudFront-Key-Pair-Id=') > 0)"
)

// sqlQuote is s as an SQL string literal, quotes doubled.
func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (v *valueRule) sql(col string) string {
	if !v.pattern {
		return col + " = " + sqlQuote(v.prefix)
	}
	// The rule values hold no '%' or '_' (AWS's values are letters only).
	return col + " LIKE " + sqlQuote(v.prefix+"%"+v.suffix)
}

func writeRules(b *strings.Builder, rules []valueRule, col string) {
	for i := range rules {
		fmt.Fprintf(b, "  WHEN %s THEN %s\n", rules[i].sql(col), sqlQuote(rules[i].reason.String()))
	}
}

// ReasonSQL returns the SQL expression of [Classify]: the reason's ID
// ([Reason.String]), the empty string for a request that is not a failure.
func ReasonSQL() string {
	var b strings.Builder
	b.WriteString("(CASE\n")
	b.WriteString("  WHEN sc_status IS NULL OR NOT (sc_status = 0 OR sc_status BETWEEN 400 AND 599) THEN ''\n")
	fmt.Fprintf(&b, "  WHEN sc_status = 0 THEN %s\n", sqlQuote(ReasonViewerHungUp.String()))
	for _, col := range []string{sqlDetailed, sqlResult, sqlResponse} {
		writeRules(&b, anyFieldRules[:], col)
	}
	fmt.Fprintf(&b, "  WHEN %s = 'InvalidRequestBlocked' AND %s THEN %s\n", sqlDetailed, sqlSigned, sqlQuote(ReasonSignedURL.String()))
	writeRules(&b, detailedRules[:], sqlDetailed)
	fmt.Fprintf(&b, "  WHEN %s = '' AND %s IN ('Hit', 'RefreshHit') THEN %s\n", sqlDetailed, sqlResult, sqlQuote(ReasonCachedError.String()))
	writeRules(&b, fleRules[:], sqlFLE)
	generic := fmt.Sprintf("(%s = 'Error' OR (%s = '' AND %s = 'Error')) AND %s", sqlDetailed, sqlDetailed, sqlResult, OriginNotAskedSQL())
	fmt.Fprintf(&b, "  WHEN %s AND sc_status >= 500 THEN %s\n", generic, sqlQuote(ReasonCachedError.String()))
	fmt.Fprintf(&b, "  WHEN %s AND %s THEN %s\n", generic, sqlS3Error, sqlQuote(ReasonS3XMLError.String()))
	fmt.Fprintf(&b, "  WHEN %s AND (%s OR %s LIKE 'text/xml%%') THEN %s\n", generic, sqlSigned, sqlCType, sqlQuote(ReasonSignedURL.String()))
	fmt.Fprintf(&b, "  WHEN %s THEN %s\n", generic, sqlQuote(ReasonEdgeRefusal.String()))
	fmt.Fprintf(&b, "  WHEN sc_status = 403 AND %s LIKE 'application/json%%' AND sc_content_len IN (16, 23, 42) THEN %s\n", sqlCType, sqlQuote(ReasonAPIGatewayJSON403.String()))
	fmt.Fprintf(&b, "  WHEN %s THEN %s\n", sqlS3Error, sqlQuote(ReasonS3XMLError.String()))
	fmt.Fprintf(&b, "  ELSE %s\nEND)", sqlQuote(ReasonApp.String()))
	return b.String()
}

// LayerSQL returns the SQL expression of [ClassifyLayer]: the layer's ID
// ([Layer.String]), the empty string for a request that is not a failure.
func LayerSQL() string {
	var b strings.Builder
	b.WriteString("(CASE ")
	b.WriteString(ReasonSQL())
	for r := ReasonNone + 1; r < numReasons; r++ {
		fmt.Fprintf(&b, "\n  WHEN %s THEN %s", sqlQuote(r.String()), sqlQuote(r.Layer().String()))
	}
	b.WriteString("\n  ELSE '' END)")
	return b.String()
}

// OriginNotAskedSQL is the SQL of [OriginNotAsked].
func OriginNotAskedSQL() string {
	return fmt.Sprintf("(time_to_first_byte IS NOT NULL AND time_to_first_byte <= CAST(%g AS REAL))", EdgeOnlyTTFB)
}

func reasonIn(rs ...Reason) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = sqlQuote(r.String())
	}
	return "(" + ReasonSQL() + " IN (" + strings.Join(ids, ", ") + "))"
}

// S3ErrorOnAPISQL is the SQL of [S3ErrorOnAPI] with the same prefixes.
func S3ErrorOnAPISQL(apiPrefixes []string) string {
	if len(apiPrefixes) == 0 {
		return "FALSE"
	}
	paths := make([]string, len(apiPrefixes))
	for i, p := range apiPrefixes {
		paths[i] = fmt.Sprintf("coalesce(cs_uri_stem, '') = %s OR starts_with(coalesce(cs_uri_stem, ''), %s)", sqlQuote(p), sqlQuote(p+"/"))
	}
	return "(" + reasonIn(ReasonS3XMLError) + " AND (" + strings.Join(paths, " OR ") + "))"
}

// EdgeFunctionFailureSQL is the SQL of [EdgeFunctionFailure].
func EdgeFunctionFailureSQL() string {
	return reasonIn(ReasonLambdaEdgeError, ReasonLambdaEdgeThrottled, ReasonFunctionError, ReasonFunctionThrottled)
}

// ConfiguredRefusalSQL is the SQL of [ConfiguredRefusal].
func ConfiguredRefusalSQL() string {
	var rs []Reason
	for r := ReasonNone + 1; r < numReasons; r++ {
		if r.Configured() {
			rs = append(rs, r)
		}
	}
	return reasonIn(rs...)
}

// JSONEndpointHTMLSQL is the SQL of [JSONEndpointHTML] with the same auth
// prefix.
func JSONEndpointHTMLSQL(authPrefix string) string {
	paths := make([]string, len(jsonEndpoints))
	for i, ep := range jsonEndpoints {
		paths[i] = sqlQuote(authPrefix + ep)
	}
	return fmt.Sprintf("(coalesce(cs_uri_stem, '') IN (%s) AND %s)", strings.Join(paths, ", "), htmlFromOriginSQL())
}

// htmlFromOriginSQL is the SQL of htmlFromOrigin.
func htmlFromOriginSQL() string {
	answered := []Reason{ReasonNone}
	for r := ReasonNone + 1; r < numReasons; r++ {
		if r.Layer() == LayerOrigin {
			answered = append(answered, r)
		}
	}
	return fmt.Sprintf("(%s LIKE 'text/html%%' AND %s)", sqlCType, reasonIn(answered...))
}

// The short forms of two layer tests, for the alert queries of the rules
// that leave them out (origin-errors; auth-403-burst, auth-cookie-missing,
// cors-preflight-rejected): ReasonSQL's CASE is some sixty lines and would
// not fit Slack's 3,000 characters, these are a few, read from the same
// value tables. TestShortLayerSQL holds each to Classify and its long form
// on every combination of the values the tables name.

// resultTypeSQL is the condition that col (a result type column, as is:
// NULL matches nothing) has one of the anyFieldRules values of the reasons
// of the layers ls: an exact value a pattern of those layers matches is
// left out.
func resultTypeSQL(col string, ls ...Layer) string {
	in := func(r *valueRule) bool { return slices.Contains(ls, r.reason.Layer()) }
	var exact, like []string
	for i := range anyFieldRules {
		v := &anyFieldRules[i]
		if !in(v) {
			continue
		}
		if v.pattern {
			like = append(like, col+" LIKE "+sqlQuote(v.prefix+"%"+v.suffix))
			continue
		}
		covered := false
		for j := range anyFieldRules {
			w := &anyFieldRules[j]
			covered = covered || w.pattern && in(w) && w.match(v.prefix)
		}
		if !covered {
			exact = append(exact, sqlQuote(v.prefix))
		}
	}
	if len(exact) > 0 {
		like = append([]string{col + " IN (" + strings.Join(exact, ", ") + ")"}, like...)
	}
	return "(" + strings.Join(like, " OR ") + ")"
}

// EdgeComputeSQL is the SQL of Classify(rec).Layer() == LayerEdgeCompute
// (LayerSQL() = 'edge-compute'): a 4xx or 5xx whose first Lambda@Edge,
// CloudFront Functions or capacity value, in x-edge-detailed-result-type,
// x-edge-result-type then x-edge-response-result-type, is one of Lambda@Edge
// or CloudFront Functions (an error, a throttle or a generated response).
func EdgeComputeSQL() string {
	cols := [3]string{"x_edge_detailed_result_type", "x_edge_result_type", "x_edge_response_result_type"}
	capacity := func(col string) string {
		return "coalesce(" + col + ", '') NOT IN ('LimitExceeded', 'CapacityExceeded')"
	}
	// Each value names its layer only when no earlier column named one:
	// d is compute, or d is not capacity and (rt is compute, or rt is not
	// capacity and rrt is compute). Columns are read as is where they can
	// only make the result true: NULL matches nothing, and coalesce(…,
	// FALSE) reads what is left unknown as false.
	inner := resultTypeSQL(cols[2], LayerEdgeCompute)
	for i := 1; i >= 0; i-- {
		inner = fmt.Sprintf("%s\n    OR %s AND (%s)", resultTypeSQL(cols[i], LayerEdgeCompute), capacity(cols[i]), inner)
	}
	return fmt.Sprintf("coalesce(sc_status BETWEEN 400 AND 599 AND (%s), FALSE)", inner)
}

// configuredRefusal4xxSQL is ConfiguredRefusalSQL() for a request whose
// status is 400–499: ClientGeoBlocked or InvalidRequestBlocked (with a
// signed-URL credential or not), or a generic Error the origin was not
// asked about that is not S3's error document nor a field-level
// encryption refusal; in either case with no Lambda@Edge, CloudFront
// Functions or capacity value in the two other result types (those come
// first).
func configuredRefusal4xxSQL() string {
	var fle []string
	for i := range fleRules {
		fle = append(fle, fleRules[i].sql(sqlFLE))
	}
	edge := func(col string) string {
		return "NOT coalesce(" + resultTypeSQL(col, LayerEdgeCompute, LayerEdgeCapacity) + ", FALSE)"
	}
	return fmt.Sprintf("(%s IN ('ClientGeoBlocked', 'InvalidRequestBlocked')\n"+
		"    OR (%s = 'Error' OR %s = '' AND %s = 'Error') AND %s AND NOT %s AND NOT (%s))\n"+
		"  AND %s\n  AND %s",
		sqlDetailed, sqlDetailed, sqlDetailed, sqlResult, OriginNotAskedSQL(), sqlS3Error, strings.Join(fle, " OR "),
		edge("x_edge_result_type"), edge("x_edge_response_result_type"))
}
