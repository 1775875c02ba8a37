package detectors

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/internal/suggest"
)

// The settings' names and kinds are read from configJSON's type, so that
// a setting added to Config is known here with nothing else to change:
// the JSON key of each field (nested objects joined with "."), and what
// its Go type accepts, said in the user's terms.

// isDuration reports whether t is a duration written as a string.
func isDuration(t reflect.Type) bool { return t == reflect.TypeFor[jsonDuration]() }

// SettingNames lists every setting's key, groups ("auth_403_burst") and
// their members ("auth_403_burst.min_count") alike, in Config's order. A
// segment that is a map's key is "*".
func SettingNames() []string {
	var names []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for _, f := range jsonFields(t) {
			name := prefix + f.name
			names = append(names, name)
			switch ft := deref(f.typ); {
			case isLeaf(ft):
			case ft.Kind() == reflect.Struct:
				walk(ft, name+".")
			case ft.Kind() == reflect.Map && !isLeaf(deref(ft.Elem())) && deref(ft.Elem()).Kind() == reflect.Struct:
				walk(deref(ft.Elem()), name+".*.")
			}
		}
	}
	walk(reflect.TypeFor[configJSON](), "")
	return names
}

// jsonField is a field as encoding/json sees it.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields returns the fields encoding/json decodes into a value of
// struct type t: exported, not `json:"-"`, embedded structs without a name
// flattened into their parent.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && deref(f.Type).Kind() == reflect.Struct {
			for _, g := range jsonFields(deref(f.Type)) {
				if !slices.ContainsFunc(out, func(h jsonField) bool { return h.name == g.name }) {
					out = append(out, g)
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name, f.Type})
	}
	return out
}

// deref returns the type a setting of type t is read as: t without its
// pointers, and for a threshold, which decodes itself (for "enabled"), the
// type of its JSON form, whose fields are the settings.
func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[Threshold]():
		return reflect.TypeFor[thresholdJSON]()
	case reflect.TypeFor[Auth403Threshold]():
		return reflect.TypeFor[auth403JSON]()
	case reflect.TypeFor[MethodRejectedThreshold]():
		return reflect.TypeFor[methodRejectedJSON]()
	case reflect.TypeFor[OriginErrorsThreshold]():
		return reflect.TypeFor[originErrorsJSON]()
	case reflect.TypeFor[RefusalThreshold]():
		return reflect.TypeFor[refusalJSON]()
	case reflect.TypeFor[CookieOversizeThreshold]():
		return reflect.TypeFor[cookieOversizeJSON]()
	}
	return t
}

// isLeaf reports whether t is decoded as one value: not walked into.
func isLeaf(t reflect.Type) bool {
	for _, u := range []reflect.Type{reflect.TypeFor[json.Unmarshaler](), reflect.TypeFor[encoding.TextUnmarshaler]()} {
		if t.Implements(u) || reflect.PointerTo(t).Implements(u) {
			return true // jsonDuration and the like
		}
	}
	return t.Kind() != reflect.Struct && t.Kind() != reflect.Map
}

// settingType returns the Go type of the setting key ("a.b.c"), or an
// error naming the nearest valid key.
func settingType(key string) (reflect.Type, error) {
	t := reflect.TypeFor[configJSON]()
	parts := strings.Split(key, ".")
	for i, p := range parts {
		switch t = deref(t); {
		case isLeaf(t):
			return nil, unknownSetting(key, parts[:i])
		case t.Kind() == reflect.Map:
			t = t.Elem()
		default:
			i := slices.IndexFunc(jsonFields(t), func(f jsonField) bool { return f.name == p })
			if i < 0 {
				return nil, unknownSetting(key, nil)
			}
			t = jsonFields(t)[i].typ
		}
	}
	return t, nil
}

// unknownSetting is the error for a key that names no setting, with the
// nearest valid key when one is near. parent, if not nil, is a setting
// that has no members: the key goes on past it.
func unknownSetting(key string, parent []string) error {
	if parent != nil {
		return fmt.Errorf("unknown setting %q: %s is a single setting, with no members", key, strings.Join(parent, "."))
	}
	segs := strings.Split(key, ".")
	var names []string
	for _, n := range SettingNames() {
		// A map's key is any segment: the one given.
		ns := strings.Split(n, ".")
		for i := range ns {
			if ns[i] == "*" && i < len(segs) {
				ns[i] = segs[i]
			}
		}
		names = append(names, strings.Join(ns, "."))
	}
	if s, ok := suggest.Nearest(key, names); ok {
		return fmt.Errorf("unknown setting %q: did you mean %s?", key, s)
	}
	return fmt.Errorf("unknown setting %q (settings: %s)", key, strings.Join(topLevel(), ", "))
}

// topLevel lists the top-level settings.
func topLevel() []string {
	var out []string
	for _, f := range jsonFields(reflect.TypeFor[configJSON]()) {
		out = append(out, f.name)
	}
	return out
}

// checkJSON checks a configuration's JSON object against the settings
// before it is decoded, for errors in the user's terms: an unknown key
// with the nearest valid one, a value of the wrong kind with the kind
// wanted ("auth_403_burst.min_count: want a whole number, got "x"").
func checkJSON(data []byte) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return jsonSyntax(err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want a JSON object of settings, got %s", describe(v))
	}
	// "rules" holds the rules' objects, as the top level does.
	if rules, ok := obj["rules"]; ok {
		ro, ok := rules.(map[string]any)
		if !ok {
			return fmt.Errorf("rules: want an object of the rules' settings (%s), got %s", strings.Join(ruleKeys[:], ", "), describe(rules))
		}
		for k, x := range ro {
			if !slices.Contains(ruleKeys[:], k) {
				return fmt.Errorf("unknown setting %q: %q is not a rule (one of %s)", "rules."+k, k, strings.Join(ruleKeys[:], ", "))
			}
			if err := checkValue("rules."+k, fieldType(reflect.TypeFor[configJSON](), k), x); err != nil {
				return err
			}
		}
		delete(obj, "rules")
	}
	return checkValue("", reflect.TypeFor[configJSON](), obj)
}

// jsonSyntax says where JSON is broken, without encoding/json's prefix.
func jsonSyntax(err error) error {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not valid JSON at byte %d: %s", se.Offset, msg)
	}
	return fmt.Errorf("not valid JSON: %s", msg)
}

// checkValue checks the JSON value v of the setting at path against its
// Go type t.
func checkValue(path string, t reflect.Type, v any) error {
	t = deref(t)
	want := func(kind string) error {
		return fmt.Errorf("%s: want %s, got %s", path, kind, describe(v))
	}
	if v == nil {
		switch t.Kind() {
		case reflect.Slice, reflect.Map:
			return nil // none
		}
		return want(kindOf(t))
	}
	switch {
	case isDuration(t):
		s, ok := v.(string)
		if !ok {
			return want(kindOf(t))
		}
		if _, err := time.ParseDuration(s); err != nil {
			return want(kindOf(t))
		}
		return nil
	case isLeaf(t) && t.Kind() == reflect.Struct:
		return nil // its own decoding says what is wrong
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			if t.Kind() == reflect.Struct && path != "" {
				return fmt.Errorf("%s: want an object of settings (%s), got %s", path, strings.Join(memberKeys(t, path), ", "), describe(v))
			}
			return want("an object")
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the first error, always the same one
		for _, k := range keys {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			var ft reflect.Type
			if t.Kind() == reflect.Map {
				ft = t.Elem()
			} else {
				fields := jsonFields(t)
				i := slices.IndexFunc(fields, func(f jsonField) bool { return f.name == k })
				if i < 0 {
					return unknownSetting(sub, nil)
				}
				ft = fields[i].typ
			}
			if err := checkValue(sub, ft, obj[k]); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return want(kindOf(t))
		}
		for i, e := range list {
			if err := checkValue(fmt.Sprintf("%s[%d]", path, i), t.Elem(), e); err != nil {
				return fmt.Errorf("%w (in %s)", err, kindOf(t))
			}
		}
		return nil
	case reflect.String:
		if _, ok := v.(string); !ok {
			return want(kindOf(t))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return want(kindOf(t))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return want(kindOf(t))
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return want(kindOf(t))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			return want(kindOf(t))
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return want(kindOf(t))
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return want(kindOf(t))
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return want(kindOf(t))
		}
	}
	return nil
}

// fieldType is the type of t's JSON field name (t a struct).
func fieldType(t reflect.Type, name string) reflect.Type {
	for _, f := range jsonFields(deref(t)) {
		if f.name == name {
			return f.typ
		}
	}
	return nil
}

// memberKeys lists the members of the group at path.
func memberKeys(t reflect.Type, path string) []string {
	var out []string
	for _, f := range jsonFields(t) {
		out = append(out, path+"."+f.name)
	}
	return out
}

// kindOf says what values a Go type accepts.
func kindOf(t reflect.Type) string {
	t = deref(t)
	if isDuration(t) {
		return `a duration such as "5m" or "1h30m"`
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		if deref(t.Elem()).Kind() == reflect.String {
			return "a list of text, such as [\"/api\", \"/trpc\"]"
		}
		return "a list of " + kindOf(t.Elem())
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value"
}

// describe writes a decoded JSON value as the user wrote it.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprint(v)
}
