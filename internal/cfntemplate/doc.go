// Package cfntemplate reads and evaluates a CloudFormation template for
// the tests of package deploy (template.yaml).
//
// Load reads template.yaml with goformation's YAML reader, keeping every
// intrinsic function (Ref, Fn::Sub, Fn::If, …) as written: NoProcess.
// goformation's typed template cannot hold an intrinsic function where a
// property is a string or a number (its decoders reject a {"Ref": …} object
// there, and goformation's own resolver only knows parameter defaults and
// drops what it cannot resolve), so Resolve evaluates the template for a
// set of parameter values, as CloudFormation would: parameters are
// checked against their constraints, the Rules section is asserted,
// conditions are decided, resources and outputs whose condition is false
// are left out, and every intrinsic function is evaluated. A reference to a
// resource's physical ID or attribute, unknown before deployment, becomes a
// placeholder: "{IngestQueue}" for Ref, "{IngestQueue.Arn}" for
// Fn::GetAtt. The result is decoded into goformation's typed template,
// whose per-resource decoders reject properties that do not exist; the
// tests assert on it.
package cfntemplate
