package fault_test

import (
	"testing"

	"github.com/aftersales/aftersales/internal/fault"
	"github.com/aftersales/aftersales/internal/i18n"
)

// TestFaultCatalogKeys covers the keys built at run time from the enumerations.
func TestFaultCatalogKeys(t *testing.T) {
	keys := []string{"fault.error.illegal", "fault.error.hq_only", "fault.error.stale", "fault.field.severity"}
	for _, s := range fault.States {
		keys = append(keys, "fault.state."+string(s))
	}
	for _, tr := range fault.Transitions {
		keys = append(keys, "fault.event."+string(tr))
		if tr != fault.Report {
			keys = append(keys, "fault.action."+string(tr))
		}
	}
	for _, s := range fault.Severities {
		keys = append(keys, "fault.severity."+s)
	}
	for _, lang := range i18n.Languages {
		c := i18n.Catalog(lang)
		for _, k := range keys {
			if _, ok := c[k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}
