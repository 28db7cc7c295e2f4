// The admin forms' zod schemas (app/forms/admin/): what each accepts, what it turns values into,
// and which FR/EN message key each refusal carries; the list filters fall back instead of refusing.
import { describe, expect, it } from "vitest";
import { auditDayRange, parseAuditFilters } from "../../app/forms/admin/audit-filters.ts";
import { formValues } from "../../app/forms/admin/form-values.ts";
import { parseLogin } from "../../app/forms/admin/login.ts";
import { parseMailboxRetry } from "../../app/forms/admin/mailbox-retry.ts";
import { parseSetup } from "../../app/forms/admin/setup.ts";
import { parseTenantAction } from "../../app/forms/admin/tenant-action.ts";
import { parseTenantListFilters } from "../../app/forms/admin/tenant-list-filters.ts";

const form = (fields: Record<string, string>) => formValues(new URLSearchParams(fields));

describe("formValues", () => {
  it("keeps the first text value of each field and drops files", () => {
    const data = new FormData();
    data.append("intent", "suspend");
    data.append("intent", "destroy");
    data.append("upload", new Blob(["x"]), "x.txt");
    expect(formValues(data)).toEqual({ intent: "suspend" });
  });
});

describe("the tenant action form", () => {
  it("accepts each action with its own fields, typed", () => {
    for (const intent of ["suspend", "resume", "restart", "retry", "resend", "retry_destroy"]) {
      expect(parseTenantAction(form({ intent }))).toEqual({ ok: true, input: { intent } });
    }
    expect(parseTenantAction(form({ intent: "extend", days: "30" }))).toEqual({ ok: true, input: { intent: "extend", days: 30 } });
    expect(parseTenantAction(form({ intent: "plan", plan: "  Pro-2 " }))).toEqual({ ok: true, input: { intent: "plan", plan: "pro-2" } });
    expect(parseTenantAction(form({ intent: "destroy", confirmSlug: " acme " }))).toEqual({ ok: true, input: { intent: "destroy", confirmSlug: "acme" } });
    // An empty confirmation is the model's to refuse (it names the slug to type).
    expect(parseTenantAction(form({ intent: "destroy" }))).toEqual({ ok: true, input: { intent: "destroy", confirmSlug: "" } });
  });

  it("refuses days outside 1 to 365 or not whole, and a plan name that is not a slug", () => {
    for (const days of ["0", "366", "1.5", "", "ten"]) {
      expect(parseTenantAction(form({ intent: "extend", days }))).toMatchObject({ ok: false, intent: "extend", error: { key: "refused.days" } });
    }
    for (const plan of ["", "-pro", "pro plan", "x".repeat(31)]) {
      expect(parseTenantAction(form({ intent: "plan", plan }))).toMatchObject({ ok: false, intent: "plan", error: { key: "refused.planName" } });
    }
  });

  it("names an unknown action without auditing it under any action", () => {
    expect(parseTenantAction(form({ intent: "drop_database" }))).toEqual({
      ok: false,
      intent: null,
      error: { key: "refused.unknown", values: { action: "drop_database" } },
    });
    expect(parseTenantAction(form({}))).toMatchObject({ ok: false, intent: null });
  });
});

describe("the sign-in form", () => {
  it("never refuses on its own: missing fields are empty and the model gives the one answer", () => {
    expect(parseLogin(form({}))).toEqual({ email: "", password: "", redirectTo: "" });
    expect(parseLogin(form({ email: "a@b.test", password: " p ", redirectTo: "/admin/audit" }))).toEqual({
      email: "a@b.test",
      password: " p ",
      redirectTo: "/admin/audit",
    });
  });
});

describe("the first-run form", () => {
  const valid = { setupToken: " token ", email: " first@vendor.test ", password: "a long enough password", confirm: "a long enough password" };

  it("trims the token and the email, keeps the password as typed", () => {
    expect(parseSetup(form(valid))).toEqual({
      ok: true,
      form: { setupToken: "token", email: "first@vendor.test", password: "a long enough password", confirm: "a long enough password" },
    });
  });

  it("gives each problem its message key and echoes the email back", () => {
    expect(parseSetup(form({ ...valid, password: "short", confirm: "short" }))).toEqual({ ok: false, error: "setup.password.short", email: valid.email });
    const long = "x".repeat(201);
    expect(parseSetup(form({ ...valid, password: long, confirm: long }))).toMatchObject({ error: "setup.password.long" });
    expect(parseSetup(form({ ...valid, email: "not an email" }))).toMatchObject({ error: "setup.email" });
    expect(parseSetup(form({ ...valid, confirm: "another long password" }))).toMatchObject({ error: "setup.differ" });
    // A missing token is not the form's to refuse: the model answers 403 for it.
    expect(parseSetup(form({ ...valid, setupToken: "" }))).toMatchObject({ ok: true });
  });
});

describe("the mailbox retry form", () => {
  it("needs a message id", () => {
    expect(parseMailboxRetry(form({ emailId: " 0b6f " }))).toEqual({ emailId: "0b6f" });
    expect(parseMailboxRetry(form({}))).toBeNull();
    expect(parseMailboxRetry(form({ emailId: "x".repeat(101) }))).toBeNull();
  });
});

describe("the list filters", () => {
  it("reads the audit filters, dropping days that are not days", () => {
    const filters = parseAuditFilters(form({ actor: " owner@vendor.test ", tenant: "acme", from: "2026-12-01", to: "yesterday" }));
    expect(filters).toEqual({ actor: "owner@vendor.test", tenant: "acme", action: "", from: "2026-12-01", to: "" });
    expect(auditDayRange(filters)).toEqual({ gte: new Date("2026-12-01T00:00:00Z"), lte: undefined });
    expect(auditDayRange(parseAuditFilters(form({ to: "2026-12-02" })))).toEqual({ gte: undefined, lte: new Date("2026-12-02T23:59:59.999Z") });
    expect(auditDayRange(parseAuditFilters(form({})))).toBeUndefined();
  });

  it("reads the tenant list's query, falling back to defaults", () => {
    expect(parseTenantListFilters(form({}))).toEqual({ search: "", state: "", plan: "", sort: "newest", page: 1 });
    expect(parseTenantListFilters(form({ q: " acme ", state: "failed", plan: "pro", sort: "company", page: "3" }))).toEqual({
      search: "acme",
      state: "failed",
      plan: "pro",
      sort: "company",
      page: 3,
    });
    expect(parseTenantListFilters(form({ state: "gone", sort: "random", page: "-4" }))).toEqual({ search: "", state: "", plan: "", sort: "newest", page: 1 });
    expect(parseTenantListFilters(form({ page: "999999999" })).page).toBe(100_000);
  });
});
