package i18n

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aftersales/aftersales/internal/tools"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

// keyPattern is the shape of a catalog key: dotted lowercase words.
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// TestCatalogsHaveTheSameKeys fails when a key is in one catalog and not the other,
// is empty, or the two translations use different template placeholders.
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	zh, en := Catalog("zh-Hans"), Catalog("en")
	if len(zh) == 0 || len(en) == 0 {
		t.Fatal("a catalog is empty")
	}
	for _, pair := range [][2]map[string]string{{zh, en}, {en, zh}} {
		for k := range pair[0] {
			if _, ok := pair[1][k]; !ok {
				t.Errorf("key %q is missing from a catalog", k)
			}
		}
	}
	for k, v := range zh {
		if strings.TrimSpace(v) == "" || strings.TrimSpace(en[k]) == "" {
			t.Errorf("key %q has an empty message", k)
		}
		if a, b := placeholders(v), placeholders(en[k]); a != b && en[k] != "" {
			t.Errorf("key %q: zh-Hans uses %s, en uses %s", k, a, b)
		}
	}
}

func placeholders(s string) string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// TestUsedKeysAreInTheCatalogs scans every Go source (generated templ code included)
// for string literals shaped like catalog keys, and fails for any that no catalog has.
func TestUsedKeysAreInTheCatalogs(t *testing.T) {
	zh := Catalog("zh-Hans")
	prefixes := map[string]bool{}
	for k := range zh {
		prefixes[strings.SplitN(k, ".", 2)[0]] = true
	}
	root := repoRoot(t)
	used := map[string]string{}
	for _, dir := range []string{"internal", "web", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && keyPattern.MatchString(s) && prefixes[strings.SplitN(s, ".", 2)[0]] {
					used[s] = path
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the sources: the scan is broken", len(used))
	}
	for k, path := range used {
		if _, ok := zh[k]; !ok {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s uses key %q, which no catalog has", rel, k)
		}
	}
}

// TestDynamicKeys covers keys built at run time from a fixed set of values.
func TestDynamicKeys(t *testing.T) {
	var keys []string
	for _, r := range []string{"hotline", "supervisor", "technician", "storekeeper", "manager", "admin"} {
		keys = append(keys, "role."+r, "home.intro."+r)
	}
	for _, s := range []int{401, 403, 404, 405, 409, 422, 429, 500} {
		keys = append(keys, "error.title."+strconv.Itoa(s))
	}
	for _, s := range wo.States {
		keys = append(keys, "state."+string(s))
	}
	for _, tr := range wo.Transitions {
		keys = append(keys, "transition."+string(tr))
	}
	for _, f := range wo.FigureLists {
		keys = append(keys, "orders.figure."+f+"."+wo.SideNum, "orders.figure."+f+"."+wo.SideDen, "report.figure."+f)
	}
	for _, k := range tools.Kinds {
		keys = append(keys, "tool.kind."+k)
	}
	for _, st := range []string{tools.Store, tools.Lent, tools.Calibration, tools.Retired} {
		keys = append(keys, "tool.state."+st)
	}
	for _, m := range []string{"add", "lend", "return", "send_calibration", "calibrate", "retire"} {
		keys = append(keys, "tool.move."+m)
	}
	for _, a := range []string{"lend", "return", "send", "calibrate", "retire"} {
		keys = append(keys, "tool.saved."+a)
	}
	for d := 0; d < 7; d++ {
		keys = append(keys, "fk.weekday."+strconv.Itoa(d))
	}
	keys = append(keys, "loaner.saved.lend", "loaner.saved.return")
	keys = append(keys, "transition.create", "transition.callback_attempt", "transition.note", "transition.reclassify", "field_class.none")
	for prefix, values := range map[string][]string{"urgency.": wo.Urgencies, "service_type.": wo.ServiceTypes,
		"channel.": wo.Channels, "warranty.": wo.Warranties, "service_mode.": wo.ServiceModes, "test_run.": wo.TestRuns,
		"field_class.": wo.FieldClasses} {
		for _, v := range values {
			keys = append(keys, prefix+v)
		}
	}
	for _, lang := range Languages {
		c := Catalog(lang)
		for _, k := range keys {
			if _, ok := c[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}

func TestTranslateAndFallbacks(t *testing.T) {
	ctx := context.Background()
	if got := T(ctx, "nav.home"); got != "工作台" {
		t.Errorf("default language: %q", got)
	}
	if got := T(WithLang(ctx, "en"), "auth.throttled", "Minutes", 15); got != "Too many failed sign-ins: try again in 15 minutes, or ask an administrator to unlock the account." {
		t.Errorf("en with data: %q", got)
	}
	if got := T(ctx, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: %q", got)
	}
	for in, want := range map[string]string{"zh-CN,zh;q=0.9": "zh-Hans", "en-US,en;q=0.8": "en", "zh-TW": "zh-Hans", "fr-FR": "", "": ""} {
		if got := Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
}

func repoRoot(t *testing.T) string {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
