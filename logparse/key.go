package logparse

import (
	"strconv"
	"strings"
	"time"
)

// KeyLayout is how CloudFront named a log object.
type KeyLayout uint8

// Object key layouts.
const (
	LayoutUnknown KeyLayout = iota
	// LayoutLegacy: [prefix/]DISTID.YYYY-MM-DD-HH.unique[.gz]
	LayoutLegacy
	// LayoutV2Path: [prefix/]DISTID/YYYY/MM/DD/HH/file (v2 partitioning)
	LayoutV2Path
	// LayoutV2Hive: [prefix/]DistributionId=ID/year=YYYY/month=MM/day=DD/hour=HH/file
	LayoutV2Hive
	// LayoutFirehose: [prefix/]YYYY/MM/DD/HH/STREAM-N-YYYY-MM-DD-HH-MM-SS-UUID[.gz],
	// standard logging v2 delivered through Firehose. The key names no
	// distribution (the records' DistributionId field may); the hour is
	// the path's (Firehose's delivery hour, UTC).
	LayoutFirehose
)

func (l KeyLayout) String() string {
	switch l {
	case LayoutLegacy:
		return "legacy"
	case LayoutV2Path:
		return "v2-path"
	case LayoutV2Hive:
		return "v2-hive"
	case LayoutFirehose:
		return "firehose"
	}
	return "unknown"
}

// A Key is what an S3 object key says about the log inside it.
type Key struct {
	DistributionID string
	Hour           time.Time // start of the hour (UTC) the file's records belong to
	Layout         KeyLayout
}

// ParseKey reads the distribution ID and the hour from a log object key or
// file name. ok is false if the key follows none of CloudFront's layouts.
func ParseKey(key string) (k Key, ok bool) {
	parts := strings.Split(key, "/")
	if k, ok := parseHiveKey(parts); ok {
		return k, true
	}
	if k, ok := parsePathKey(parts); ok {
		return k, true
	}
	if k, ok := parseFirehoseKey(parts); ok {
		return k, true
	}
	return parseLegacyName(parts[len(parts)-1])
}

// parseFirehoseKey reads "[prefix/]YYYY/MM/DD/HH/STREAM-N-YYYY-MM-DD-HH-MM-SS-UUID[.ext]":
// the object name must be Firehose's (a 36-character UUID after the
// delivery time) and the four folders above it the hour.
func parseFirehoseKey(parts []string) (Key, bool) {
	n := len(parts)
	if n < 5 || !isFirehoseName(parts[n-1]) {
		return Key{}, false
	}
	y, m, d, h := parts[n-5], parts[n-4], parts[n-3], parts[n-2]
	if len(y) != 4 || len(m) != 2 || len(d) != 2 || len(h) != 2 {
		return Key{}, false
	}
	t, ok := hourOf(y, m, d, h)
	if !ok {
		return Key{}, false
	}
	return Key{Hour: t, Layout: LayoutFirehose}, true
}

// isFirehoseName reports whether an object name ends, before any
// extension, in "-YYYY-MM-DD-HH-MM-SS-" and a UUID, as Firehose names them.
func isFirehoseName(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	const uuidLen, stampLen = 36, len("-2006-01-02-15-04-05-")
	if len(base) < uuidLen+stampLen+2 {
		return false
	}
	uuid := base[len(base)-uuidLen:]
	for i, c := range uuid {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	stamp := base[len(base)-uuidLen-stampLen : len(base)-uuidLen]
	for i := 0; i < len(stamp); i++ {
		c := stamp[i]
		if i == 0 || i == 5 || i == 8 || i == 11 || i == 14 || i == 17 || i == 20 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseLegacyName reads "DISTID.YYYY-MM-DD-HH.unique[.ext]".
func parseLegacyName(name string) (Key, bool) {
	dist, rest, ok := strings.Cut(name, ".")
	if !ok || !isDistributionID(dist) || len(rest) < 14 || rest[13] != '.' {
		return Key{}, false
	}
	stamp, unique := rest[:13], rest[14:]
	if u, _, _ := strings.Cut(unique, "."); u == "" || !isAlnum(u) {
		return Key{}, false
	}
	if stamp[4] != '-' || stamp[7] != '-' || stamp[10] != '-' {
		return Key{}, false
	}
	h, ok := hourOf(stamp[0:4], stamp[5:7], stamp[8:10], stamp[11:13])
	if !ok {
		return Key{}, false
	}
	return Key{DistributionID: dist, Hour: h, Layout: LayoutLegacy}, true
}

// parsePathKey finds ".../DISTID/YYYY/MM/DD/HH/file".
func parsePathKey(parts []string) (Key, bool) {
	for i := 0; i+5 < len(parts); i++ {
		if !isDistributionID(parts[i]) || len(parts[i+1]) != 4 || len(parts[i+2]) != 2 ||
			len(parts[i+3]) != 2 || len(parts[i+4]) != 2 {
			continue
		}
		if h, ok := hourOf(parts[i+1], parts[i+2], parts[i+3], parts[i+4]); ok {
			return Key{DistributionID: parts[i], Hour: h, Layout: LayoutV2Path}, true
		}
	}
	return Key{}, false
}

// parseHiveKey finds "DistributionId=…/year=…/month=…/day=…/hour=…".
func parseHiveKey(parts []string) (Key, bool) {
	vals := map[string]string{}
	for _, p := range parts[:len(parts)-1] {
		if name, v, ok := strings.Cut(p, "="); ok {
			vals[strings.ToLower(name)] = v
		}
	}
	dist := vals["distributionid"]
	if dist == "" || !isDistributionID(dist) {
		return Key{}, false
	}
	h, ok := hourOf(vals["year"], vals["month"], vals["day"], vals["hour"])
	if !ok {
		return Key{}, false
	}
	return Key{DistributionID: dist, Hour: h, Layout: LayoutV2Hive}, true
}

func hourOf(y, m, d, h string) (time.Time, bool) {
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	di, err3 := strconv.Atoi(d)
	hi, err4 := strconv.Atoi(h)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(y) != 4 ||
		mi < 1 || mi > 12 || di < 1 || di > 31 || hi < 0 || hi > 23 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(mi), di, hi, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return time.Time{}, false
	}
	return t, true
}

// isDistributionID accepts CloudFront distribution IDs: letters and digits,
// 8 to 32 of them (real ones are 13 or 14 upper-case characters; test
// fixtures use others).
func isDistributionID(s string) bool {
	return len(s) >= 8 && len(s) <= 32 && isAlnum(s)
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}
