package deployment

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// This file reads the source, not the running code: which AWS operations the
// provider calls (every <sdk>.<Operation>Input it names outside tests), and
// which error codes the emulator can answer each of them with (the codes its
// handler, and everything the handler calls, passes to an error
// constructor, plus what every request can meet before its handler runs:
// authentication, authorization, decoding). A new call or a new code in
// either place changes the lists, so the remedy tests see it.

const sdkServicePrefix = "github.com/aws/aws-sdk-go-v2/service/"

// repoDir is the repository's internal directory.
func internalDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// parseDir parses the non-test Go files of one directory.
func parseDir(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// sdkImports maps a file's import names to AWS SDK service names (ec2,
// elasticloadbalancingv2, ...), leaving out the types packages.
func sdkImports(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		svc, ok := strings.CutPrefix(p, sdkServicePrefix)
		if !ok || strings.Contains(svc, "/") {
			continue
		}
		name := svc
		if imp.Name != nil {
			name = imp.Name.Name
		}
		out[name] = svc
	}
	return out
}

var inputType = regexp.MustCompile(`^([A-Z][A-Za-z0-9]+)Input$`)

// providerOperations lists "service:Operation" for every AWS operation the
// provider's code (everything under internal but the emulator and the test
// helpers) names an input for.
func providerOperations(t *testing.T) []string {
	t.Helper()
	root := internalDir(t)
	skip := map[string]bool{"awsemu": true, "acctest": true, "emutest": true}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if rel, _ := filepath.Rel(root, path); skip[strings.Split(rel, string(filepath.Separator))[0]] {
			return filepath.SkipDir
		}
		for _, f := range parseDir(t, fset, path) {
			imports := sdkImports(f)
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				if svc, ok := imports[x.Name]; ok {
					if m := inputType.FindStringSubmatch(sel.Sel.Name); m != nil {
						seen[svc+":"+m[1]] = true
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(seen))
	for op := range seen {
		out = append(out, op)
	}
	sort.Strings(out)
	return out
}

// emuFunc is one function or method of the emulator, as the code analysis
// sees it.
type emuFunc struct {
	recv  string // receiver type name, "" for functions
	name  string // function or method name
	calls []*ast.CallExpr
	codes map[string]bool
	// codeParams are the positions of parameters that carry an error code
	// (named code or …Code) when the function returns an error.
	codeParams []int
	decl       *ast.FuncDecl
	imports    map[string]bool // import names of its file
}

// emulatorAnalysis holds the emulator's functions and its handlers.
type emulatorAnalysis struct {
	funcs    map[string]*emuFunc   // "recv.name" or ".name"
	byName   map[string][]*emuFunc // methods by name, for calls on other values
	handlers map[string]*emuFunc   // "service:Operation"
	consts   map[string]string     // package-level string constants
}

var errorCodeShape = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$`)

func typeName(e ast.Expr) string {
	switch v := e.(type) {
	case *ast.StarExpr:
		return typeName(v.X)
	case *ast.Ident:
		return v.Name
	case *ast.IndexExpr:
		return typeName(v.X)
	case *ast.IndexListExpr:
		return typeName(v.X)
	case *ast.SelectorExpr:
		return typeName(v.X) + "." + v.Sel.Name
	}
	return ""
}

func returnsError(ft *ast.FuncType) bool {
	if ft.Results == nil {
		return false
	}
	for _, r := range ft.Results.List {
		if n := typeName(r.Type); n == "error" || n == "APIError" {
			return true
		}
	}
	return false
}

func analyseEmulator(t *testing.T) *emulatorAnalysis {
	t.Helper()
	fset := token.NewFileSet()
	files := parseDir(t, fset, filepath.Join(internalDir(t), "awsemu"))
	a := &emulatorAnalysis{funcs: map[string]*emuFunc{}, byName: map[string][]*emuFunc{}, handlers: map[string]*emuFunc{}, consts: map[string]string{}}
	for _, f := range files {
		imports := map[string]bool{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			imports[name] = true
		}
		sdk := sdkImports(f)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								a.consts[n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			case *ast.FuncDecl:
				fn := &emuFunc{name: d.Name.Name, decl: d, imports: imports, codes: map[string]bool{}}
				if d.Recv != nil && len(d.Recv.List) > 0 {
					fn.recv = typeName(d.Recv.List[0].Type)
				}
				if returnsError(d.Type) {
					i := 0
					for _, p := range d.Type.Params.List {
						for _, n := range p.Names {
							if n.Name == "code" || strings.HasSuffix(n.Name, "Code") {
								fn.codeParams = append(fn.codeParams, i)
							}
							i++
						}
						if len(p.Names) == 0 {
							i++
						}
					}
				}
				a.funcs[fn.recv+"."+fn.name] = fn
				if fn.recv != "" {
					a.byName[fn.name] = append(a.byName[fn.name], fn)
				}
				// A handler: (c *Call, in *<sdk>.<Operation>Input).
				if ps := d.Type.Params.List; fn.recv != "" && len(ps) == 2 && typeName(ps[0].Type) == "Call" {
					if sel, ok := ps[1].Type.(*ast.StarExpr); ok {
						if s, ok := sel.X.(*ast.SelectorExpr); ok {
							if svc, ok := sdk[typeName(s.X)]; ok && s.Sel.Name == fn.name+"Input" {
								a.handlers[svc+":"+fn.name] = fn
							}
						}
					}
				}
			}
		}
	}
	for _, fn := range a.funcs {
		a.scan(fn)
	}
	return a
}

// literal returns the string an expression is, when it is a literal or a
// package-level constant.
func (a *emulatorAnalysis) literal(e ast.Expr) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind == token.STRING {
			s, err := strconv.Unquote(v.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := a.consts[v.Name]
		return s, ok
	}
	return "", false
}

// scan records a function's calls and the error codes it names: literal
// arguments in a code position of an error constructor, literals assigned
// to a variable named code, and Code fields of APIError literals.
func (a *emulatorAnalysis) scan(fn *emuFunc) {
	if fn.decl.Body == nil {
		return
	}
	addCode := func(e ast.Expr) {
		if s, ok := a.literal(e); ok && errorCodeShape.MatchString(s) && !strings.HasPrefix(s, "L-") {
			fn.codes[s] = true
		}
	}
	ast.Inspect(fn.decl.Body, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.CallExpr:
			fn.calls = append(fn.calls, v)
		case *ast.AssignStmt:
			for i, lhs := range v.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && (id.Name == "code" || strings.HasSuffix(id.Name, "Code")) && i < len(v.Rhs) {
					addCode(v.Rhs[i])
				}
			}
		case *ast.CompositeLit:
			if typeName(v.Type) == "APIError" {
				for _, el := range v.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok && typeName(kv.Key) == "Code" {
						addCode(kv.Value)
					}
				}
			}
		}
		return true
	})
	for _, c := range fn.calls {
		for _, callee := range a.callees(fn, c) {
			for _, i := range callee.codeParams {
				if i < len(c.Args) {
					addCode(c.Args[i])
				}
			}
		}
	}
}

// callees resolves a call to the emulator functions it may reach: a function
// by name, a method on the receiver by its type, any other method by name.
func (a *emulatorAnalysis) callees(fn *emuFunc, c *ast.CallExpr) []*emuFunc {
	fun := c.Fun
	for {
		switch v := fun.(type) {
		case *ast.IndexExpr:
			fun = v.X
			continue
		case *ast.IndexListExpr:
			fun = v.X
			continue
		case *ast.ParenExpr:
			fun = v.X
			continue
		}
		break
	}
	switch v := fun.(type) {
	case *ast.Ident:
		if f, ok := a.funcs["."+v.Name]; ok {
			return []*emuFunc{f}
		}
	case *ast.SelectorExpr:
		if x, ok := v.X.(*ast.Ident); ok {
			if fn.imports[x.Name] && a.funcs["."+x.Name] == nil {
				return nil // another package
			}
			if recv := fn.decl.Recv; recv != nil && len(recv.List[0].Names) > 0 && recv.List[0].Names[0].Name == x.Name {
				if f, ok := a.funcs[fn.recv+"."+v.Sel.Name]; ok {
					return []*emuFunc{f}
				}
			}
		}
		return a.byName[v.Sel.Name]
	}
	return nil
}

// reachableCodes is every code fn and what it calls can answer with.
func (a *emulatorAnalysis) reachableCodes(roots ...*emuFunc) map[string]bool {
	codes := map[string]bool{}
	seen := map[*emuFunc]bool{}
	var visit func(*emuFunc)
	visit = func(f *emuFunc) {
		if f == nil || seen[f] {
			return
		}
		seen[f] = true
		for c := range f.codes {
			codes[c] = true
		}
		for _, c := range f.calls {
			for _, callee := range a.callees(f, c) {
				visit(callee)
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return codes
}

// emulatorCodesForProvider maps each code the emulator can answer an
// operation the provider calls with to those operations.
func emulatorCodesForProvider(t *testing.T) (codes map[string][]string, missing []string) {
	t.Helper()
	a := analyseEmulator(t)
	if len(a.handlers) < 100 {
		t.Fatalf("found only %d emulator handlers: the analysis no longer recognises them", len(a.handlers))
	}
	// Every request meets these before its handler runs.
	common := a.reachableCodes(a.funcs["Emulator.authenticate"], a.funcs["Emulator.dispatch"])
	if !common["UnauthorizedOperation"] || !common["AccessDenied"] || !common["SignatureDoesNotMatch"] {
		t.Fatalf("the request path's codes lack authentication or authorization: %v", common)
	}
	codes = map[string][]string{}
	for _, op := range providerOperations(t) {
		h, ok := a.handlers[op]
		if !ok {
			missing = append(missing, op)
			continue
		}
		for c := range a.reachableCodes(h) {
			codes[c] = append(codes[c], op)
		}
	}
	for c := range common {
		codes[c] = append(codes[c], "every operation")
	}
	return codes, missing
}
