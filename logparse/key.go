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
)

func (l KeyLayout) String() string {
	switch l {
	case LayoutLegacy:
		return "legacy"
	case LayoutV2Path:
		return "v2-path"
	case LayoutV2Hive:
		return "v2-hive"
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
	return parseLegacyName(parts[len(parts)-1])
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
