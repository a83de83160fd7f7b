package server

import (
	"context"
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
)

func TestStatusOfEveryCode(t *testing.T) {
	for code, want := range map[apperr.Code]int{
		apperr.Invalid: 422, apperr.NotFound: 404, apperr.Forbidden: 403, apperr.Conflict: 409,
		apperr.IllegalTransition: 409, apperr.Unauthenticated: 401, apperr.TooManyRequests: 429, apperr.Internal: 500,
	} {
		if got := statusOf(code); got != want {
			t.Errorf("%s → %d, want %d", code, got, want)
		}
	}
	if statusOf("something new") != http.StatusInternalServerError {
		t.Error("an unknown code is not a 500")
	}
}

func TestLocalizeDataNamesStatesInTheUsersLanguage(t *testing.T) {
	data := map[string]any{"State": "awaiting_dispatch", "Transition": "assign", "Role": "technician", "Roles": "hotline,supervisor", "Name": "陈晓燕"}
	zh := localizeData(context.Background(), data)
	if zh["State"] != "待派工" || zh["Transition"] != "派工" || zh["Role"] != "维修工程师" || zh["Roles"] != "客服专员、主管" || zh["Name"] != "陈晓燕" {
		t.Errorf("zh: %v", zh)
	}
	en := localizeData(i18n.WithLang(context.Background(), "en"), data)
	if en["State"] != "Awaiting dispatch" || en["Roles"] != "Hotline, Supervisor" {
		t.Errorf("en: %v", en)
	}
	msg := i18n.T(context.Background(), "error.transition.illegal", zh)
	if msg != "工单当前状态为「待派工」，不能执行「派工」。" {
		t.Errorf("message %q", msg)
	}
	if data["State"] != "awaiting_dispatch" {
		t.Error("localizeData changed its input")
	}
}
