package cfntemplate

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
)

// Pseudo parameter values Resolve uses: a stack named "cfwatch" in
// eu-west-1 of account 111122223333.
const (
	AccountID = "111122223333"
	Region    = "eu-west-1"
	StackName = "cfwatch"
	StackID   = "arn:aws:cloudformation:eu-west-1:111122223333:stack/cfwatch/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
)

// A Template is a CloudFormation template as written: JSON values with the
// intrinsic functions in their long form ({"Fn::Sub": …}).
type Template struct {
	Path string
	Raw  map[string]any
	// Parameters are the template's parameters, typed by goformation.
	Parameters cloudformation.Parameters
}

// Load reads a YAML or JSON template with goformation's reader, short
// forms (!Ref, !Sub, …) turned into long ones and nothing evaluated.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	opts := &intrinsics.ProcessorOptions{NoProcess: true}
	var js []byte
	if strings.HasSuffix(path, ".json") {
		js, err = intrinsics.ProcessJSON(data, opts)
	} else {
		js, err = intrinsics.ProcessYAML(data, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Template{Path: path}
	if err := json.Unmarshal(js, &t.Raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p, ok := t.Raw["Parameters"]; ok {
		b, _ := json.Marshal(p)
		if err := json.Unmarshal(b, &t.Parameters); err != nil {
			return nil, fmt.Errorf("%s: Parameters: %w", path, err)
		}
	}
	return t, nil
}

// A Stack is a template resolved for one set of parameter values.
type Stack struct {
	Params     map[string]string // every parameter's value, as text
	Conditions map[string]bool
	// Raw is the resolved template: resources and outputs whose condition
	// is false left out, intrinsic functions evaluated, the Conditions and
	// Rules sections dropped, and a function's local Code directory
	// replaced by its package's S3 location (see packageCode).
	Raw map[string]any
	// CFN is Raw decoded by goformation.
	CFN *cloudformation.Template
}

// Resource returns a resolved resource's JSON (Type, Properties, …), or
// nil when the stack does not create it.
func (s *Stack) Resource(name string) map[string]any {
	r, _ := s.Raw["Resources"].(map[string]any)[name].(map[string]any)
	return r
}

// Resolve evaluates the template with the given parameter values (the
// others take their defaults), as CloudFormation would create the stack.
// It fails when a value breaks its parameter's constraints, a rule's
// assertion fails, or the template refers to something that does not exist
// (or is not created with these values).
func (t *Template) Resolve(values map[string]string) (*Stack, error) {
	r := &resolver{
		t:      t,
		params: map[string]string{},
		conds:  map[string]bool{},
		busy:   map[string]bool{},
	}
	for name := range values {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("no parameter %s", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(t.Parameters)) {
		p := t.Parameters[name]
		v, ok := values[name]
		if !ok {
			if p.Default == nil {
				return nil, fmt.Errorf("parameter %s: no value and no default", name)
			}
			v = text(p.Default)
		}
		if err := checkParameter(name, p, v); err != nil {
			return nil, err
		}
		r.params[name] = v
	}
	if err := r.rules(); err != nil {
		return nil, err
	}
	if c, ok := t.Raw["Conditions"].(map[string]any); ok {
		for name := range c {
			if _, err := r.condition(name); err != nil {
				return nil, err
			}
		}
	}
	out := map[string]any{}
	for _, k := range []string{"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Mappings"} {
		if v, ok := t.Raw[k]; ok {
			out[k] = v
		}
	}
	resources, _ := t.Raw["Resources"].(map[string]any)
	res := map[string]any{}
	for name, v := range resources {
		ok, err := r.created(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		e, err := r.eval(v)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", name, err)
		}
		m := e.(map[string]any)
		if err := r.checkDependsOn(name, m["DependsOn"]); err != nil {
			return nil, err
		}
		packageCode(m)
		res[name] = m
	}
	out["Resources"] = res
	if outputs, ok := t.Raw["Outputs"].(map[string]any); ok {
		o := map[string]any{}
		for name, v := range outputs {
			m, _ := v.(map[string]any)
			if c, ok := m["Condition"].(string); ok {
				on, err := r.condition(c)
				if err != nil {
					return nil, fmt.Errorf("output %s: %w", name, err)
				}
				if !on {
					continue
				}
			}
			e, err := r.eval(v)
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", name, err)
			}
			o[name] = e
		}
		out["Outputs"] = o
	}
	js, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	var cfn cloudformation.Template
	if err := json.Unmarshal(js, &cfn); err != nil {
		return nil, fmt.Errorf("goformation: %w", err)
	}
	return &Stack{Params: r.params, Conditions: r.conds, Raw: out, CFN: &cfn}, nil
}

// packageCode does what sam deploy (and aws cloudformation package) does
// to a function whose Code is a local directory: it uploads the build and
// puts its S3 location in the template. The location is a placeholder:
// S3Bucket "{package}", S3Key the directory.
func packageCode(res map[string]any) {
	if res["Type"] != "AWS::Lambda::Function" {
		return
	}
	props, _ := res["Properties"].(map[string]any)
	if dir, ok := props["Code"].(string); ok {
		props["Code"] = map[string]any{"S3Bucket": "{package}", "S3Key": dir}
	}
}

// checkParameter checks a value against its parameter's constraints.
func checkParameter(name string, p cloudformation.Parameter, v string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("parameter %s=%q: %s", name, v, fmt.Sprintf(format, args...))
	}
	if len(p.AllowedValues) > 0 && !slices.ContainsFunc(p.AllowedValues, func(a any) bool { return text(a) == v }) {
		return bad("not one of %v", p.AllowedValues)
	}
	if p.AllowedPattern != nil {
		// CloudFormation matches the pattern against the whole value.
		re, err := regexp.Compile(`^(?:` + *p.AllowedPattern + `)$`)
		if err != nil {
			return fmt.Errorf("parameter %s: AllowedPattern: %w", name, err)
		}
		if !re.MatchString(v) {
			return bad("does not match %s", *p.AllowedPattern)
		}
	}
	if p.MinLength != nil && len(v) < *p.MinLength || p.MaxLength != nil && len(v) > *p.MaxLength {
		return bad("length out of range")
	}
	switch p.Type {
	case "String", "CommaDelimitedList":
	case "Number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return bad("not a number")
		}
		if p.MinValue != nil && f < *p.MinValue || p.MaxValue != nil && f > *p.MaxValue {
			return bad("out of range")
		}
	default:
		return fmt.Errorf("parameter %s: type %s is not supported here", name, p.Type)
	}
	return nil
}

// text formats a JSON scalar as CloudFormation passes it to a template: a
// string as is, a number without exponent or trailing zeros.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(v)
}

// noValue is what AWS::NoValue evaluates to: the property, or list item,
// that holds it is removed.
var noValue = &struct{ noValue bool }{}

type resolver struct {
	t      *Template
	params map[string]string
	conds  map[string]bool
	busy   map[string]bool // conditions being evaluated (cycles)
}

func (r *resolver) rules() error {
	rules, _ := r.t.Raw["Rules"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		rule, _ := rules[name].(map[string]any)
		if c, ok := rule["RuleCondition"]; ok {
			on, err := r.cond(c)
			if err != nil {
				return fmt.Errorf("rule %s: %w", name, err)
			}
			if !on {
				continue
			}
		}
		asserts, _ := rule["Assertions"].([]any)
		for _, a := range asserts {
			a, _ := a.(map[string]any)
			ok, err := r.cond(a["Assert"])
			if err != nil {
				return fmt.Errorf("rule %s: %w", name, err)
			}
			if !ok {
				return fmt.Errorf("rule %s: %v", name, a["AssertDescription"])
			}
		}
	}
	return nil
}

// condition evaluates a named condition once.
func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	all, _ := r.t.Raw["Conditions"].(map[string]any)
	expr, ok := all[name]
	if !ok {
		return false, fmt.Errorf("no condition %s", name)
	}
	if r.busy[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	r.busy[name] = true
	v, err := r.cond(expr)
	delete(r.busy, name)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	r.conds[name] = v
	return v, nil
}

// cond evaluates a condition expression: Fn::Equals, Fn::Not, Fn::And,
// Fn::Or and {"Condition": name}.
func (r *resolver) cond(expr any) (bool, error) {
	m, ok := expr.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("not a condition: %v", expr)
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if !ok {
				//lint:ignore ST1005 a CloudFormation name
				return false, fmt.Errorf("Condition: want a name, got %v", arg)
			}
			return r.condition(name)
		case "Fn::Equals":
			args, ok := arg.([]any)
			if !ok || len(args) != 2 {
				return false, fmt.Errorf("Fn::Equals: want 2 values, got %v", arg)
			}
			a, err := r.eval(args[0])
			if err != nil {
				return false, err
			}
			b, err := r.eval(args[1])
			if err != nil {
				return false, err
			}
			return text(a) == text(b), nil
		case "Fn::Not", "Fn::And", "Fn::Or":
			args, ok := arg.([]any)
			if !ok || len(args) == 0 || fn == "Fn::Not" && len(args) != 1 {
				return false, fmt.Errorf("%s: bad arguments %v", fn, arg)
			}
			vals := make([]bool, len(args))
			for i, a := range args {
				v, err := r.cond(a)
				if err != nil {
					return false, err
				}
				vals[i] = v
			}
			switch fn {
			case "Fn::Not":
				return !vals[0], nil
			case "Fn::And":
				return !slices.Contains(vals, false), nil
			default:
				return slices.Contains(vals, true), nil
			}
		}
		return false, fmt.Errorf("not a condition function: %s", fn)
	}
	panic("unreachable")
}

// created reports whether the stack creates the resource.
func (r *resolver) created(name string) (bool, error) {
	resources, _ := r.t.Raw["Resources"].(map[string]any)
	res, ok := resources[name].(map[string]any)
	if !ok {
		return false, fmt.Errorf("no resource %s", name)
	}
	c, ok := res["Condition"].(string)
	if !ok {
		return true, nil
	}
	return r.condition(c)
}

func (r *resolver) checkDependsOn(name string, deps any) error {
	var list []any
	switch d := deps.(type) {
	case nil:
	case string:
		list = []any{d}
	case []any:
		list = d
	}
	for _, d := range list {
		dep, _ := d.(string)
		ok, err := r.created(dep)
		if err != nil {
			return fmt.Errorf("resource %s: DependsOn: %w", name, err)
		}
		if !ok {
			return fmt.Errorf("resource %s: DependsOn %s, which is not created", name, dep)
		}
	}
	return nil
}

func pseudo(name string) (string, bool) {
	switch name {
	case "AWS::AccountId":
		return AccountID, true
	case "AWS::Region":
		return Region, true
	case "AWS::Partition":
		return "aws", true
	case "AWS::URLSuffix":
		return "amazonaws.com", true
	case "AWS::StackName":
		return StackName, true
	case "AWS::StackId":
		return StackID, true
	}
	return "", false
}

// ref evaluates Ref.
func (r *resolver) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue, nil
	}
	if v, ok := pseudo(name); ok {
		return v, nil
	}
	if v, ok := r.params[name]; ok {
		switch r.t.Parameters[name].Type {
		case "Number":
			f, _ := strconv.ParseFloat(v, 64)
			return f, nil
		case "CommaDelimitedList":
			var out []any
			for _, s := range strings.Split(v, ",") {
				out = append(out, s)
			}
			return out, nil
		}
		return v, nil
	}
	ok, err := r.created(name)
	if err != nil {
		//lint:ignore ST1005 a CloudFormation name
		return nil, fmt.Errorf("Ref %s: no parameter, pseudo parameter or resource of that name", name)
	}
	if !ok {
		//lint:ignore ST1005 a CloudFormation name
		return nil, fmt.Errorf("Ref %s: the resource is not created", name)
	}
	return "{" + name + "}", nil
}

func (r *resolver) getAtt(res, attr string) (string, error) {
	ok, err := r.created(res)
	if err != nil {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: %w", res, attr, err)
	}
	if !ok {
		return "", fmt.Errorf("Fn::GetAtt %s.%s: the resource is not created", res, attr)
	}
	return "{" + res + "." + attr + "}", nil
}

// eval evaluates every intrinsic function in v.
func (r *resolver) eval(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.fn(k, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			e, err := r.eval(x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if e != noValue {
				out[k] = e
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, x := range v {
			e, err := r.eval(x)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if e != noValue {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) evalString(v any) (string, error) {
	e, err := r.eval(v)
	if err != nil {
		return "", err
	}
	switch e := e.(type) {
	case string, float64:
		return text(e), nil
	}
	return "", fmt.Errorf("want a string, got %v", e)
}

func (r *resolver) evalList(v any) ([]any, error) {
	e, err := r.eval(v)
	if err != nil {
		return nil, err
	}
	l, ok := e.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list, got %v", e)
	}
	return l, nil
}

func (r *resolver) fn(name string, arg any) (any, error) {
	args, _ := arg.([]any)
	nargs := func(n int) error {
		if len(args) != n {
			return fmt.Errorf("%s: want %d arguments, got %v", name, n, arg)
		}
		return nil
	}
	switch name {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			//lint:ignore ST1005 a CloudFormation name
			return nil, fmt.Errorf("Ref: want a name, got %v", arg)
		}
		return r.ref(s)
	case "Fn::GetAtt":
		var res, attr string
		switch a := arg.(type) {
		case string:
			res, attr, _ = strings.Cut(a, ".")
		case []any:
			if err := nargs(2); err != nil {
				return nil, err
			}
			res, _ = a[0].(string)
			var err error
			if attr, err = r.evalString(a[1]); err != nil {
				return nil, err
			}
		}
		if res == "" || attr == "" {
			return nil, fmt.Errorf("Fn::GetAtt: bad arguments %v", arg)
		}
		return r.getAtt(res, attr)
	case "Fn::If":
		if err := nargs(3); err != nil {
			return nil, err
		}
		c, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::If: want a condition name, got %v", args[0])
		}
		on, err := r.condition(c)
		if err != nil {
			return nil, err
		}
		if on {
			return r.eval(args[1])
		}
		return r.eval(args[2])
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		if err := nargs(2); err != nil {
			return nil, err
		}
		sep, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Join: bad separator %v", args[0])
		}
		list, err := r.evalList(args[1])
		if err != nil {
			return nil, fmt.Errorf("Fn::Join: %w", err)
		}
		parts := make([]string, len(list))
		for i, x := range list {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("Fn::Join: not a string: %v", x)
			}
			parts[i] = s
		}
		return strings.Join(parts, sep), nil
	case "Fn::Split":
		if err := nargs(2); err != nil {
			return nil, err
		}
		sep, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Split: bad separator %v", args[0])
		}
		s, err := r.evalString(args[1])
		if err != nil {
			return nil, fmt.Errorf("Fn::Split: %w", err)
		}
		var out []any
		for _, p := range strings.Split(s, sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Select":
		if err := nargs(2); err != nil {
			return nil, err
		}
		is, err := r.evalString(args[0])
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil {
			return nil, fmt.Errorf("Fn::Select: bad index %q", is)
		}
		list, err := r.evalList(args[1])
		if err != nil {
			return nil, fmt.Errorf("Fn::Select: %w", err)
		}
		if i < 0 || i >= len(list) {
			return nil, fmt.Errorf("Fn::Select: index %d out of %d", i, len(list))
		}
		return list[i], nil
	case "Fn::FindInMap":
		if err := nargs(3); err != nil {
			return nil, err
		}
		keys := make([]string, 3)
		for i := range keys {
			s, err := r.evalString(args[i])
			if err != nil {
				return nil, fmt.Errorf("Fn::FindInMap: %w", err)
			}
			keys[i] = s
		}
		mappings, _ := r.t.Raw["Mappings"].(map[string]any)
		top, _ := mappings[keys[0]].(map[string]any)
		second, _ := top[keys[1]].(map[string]any)
		v, ok := second[keys[2]]
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap: no %s.%s.%s", keys[0], keys[1], keys[2])
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s is not supported here", name)
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub evaluates Fn::Sub: "${Name}" is a variable of the map argument, a
// parameter, a pseudo parameter or a resource (Ref), "${Res.Attr}" an
// attribute, and "${!Literal}" the text "${Literal}".
func (r *resolver) sub(arg any) (any, error) {
	var format string
	vars := map[string]string{}
	switch a := arg.(type) {
	case string:
		format = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub: want [format, variables], got %v", arg)
		}
		var ok bool
		if format, ok = a[0].(string); !ok {
			return nil, fmt.Errorf("Fn::Sub: bad format %v", a[0])
		}
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: bad variables %v", a[1])
		}
		for k, v := range m {
			s, err := r.evalString(v)
			if err != nil {
				return nil, fmt.Errorf("Fn::Sub: variable %s: %w", k, err)
			}
			vars[k] = s
		}
	default:
		return nil, fmt.Errorf("Fn::Sub: bad argument %v", arg)
	}
	var errs []error
	out := subVar.ReplaceAllStringFunc(format, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v
		}
		if res, attr, ok := strings.Cut(name, "."); ok {
			v, err := r.getAtt(res, attr)
			errs = append(errs, err)
			return v
		}
		if v, ok := r.params[name]; ok {
			if r.t.Parameters[name].Type == "CommaDelimitedList" {
				errs = append(errs, fmt.Errorf("Fn::Sub: ${%s} is a list", name))
			}
			return v
		}
		v, err := r.ref(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("Fn::Sub: %w", err))
			return ""
		}
		s, ok := v.(string)
		if !ok {
			errs = append(errs, fmt.Errorf("Fn::Sub: ${%s} is not a string", name))
		}
		return s
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
