// Valid signup data and context, to be overridden field by field in each test, and a trial signup
// registered straight in the database with them (what the signup form's action does).
import { randomUUID } from "node:crypto";
import type { SignupData } from "../../app/forms/signup-schema.ts";
import { registerTrialSignup, type SignupContext } from "../../app/models/signup.server.ts";
import type { PrismaClient } from "../../prisma/generated/client.ts";

let counter = 0;

export function signupData(overrides: Partial<SignupData> = {}): SignupData {
  counter += 1;
  return {
    firstName: "Camille",
    lastName: "Durand",
    email: `camille.${counter}.${randomUUID().slice(0, 8)}@example.com`,
    company: `Acme ${counter}`,
    phone: "+33612345678",
    acceptTerms: "on",
    ...overrides,
  };
}

export function signupContext(overrides: Partial<SignupContext> = {}): SignupContext {
  return {
    ip: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
    userAgent: "vitest",
    locale: "en",
    signupKey: randomUUID(),
    now: new Date(),
    trialDays: 30,
    termsVersion: "2026-11-01",
    rateLimitPerHour: 1000,
    maxPendingTenants: 100000,
    ...overrides,
  };
}

/** The signup form's fields as a browser posts them (strings, a fresh email, company and key). */
export function formFields(overrides: Record<string, string> = {}): Record<string, string> {
  const n = Math.random().toString(36).slice(2, 8);
  return {
    firstName: "Jean",
    lastName: "Martin",
    email: `jean.${n}@example.com`,
    company: `Martin ${n}`,
    phone: "06 12 34 56 78",
    acceptTerms: "on",
    signupKey: `key-${n}-0123456789abcdef`,
    ...overrides,
  };
}

/** A trial signup registered in the database; the new tenant with its jobs and customer (throws unless it was created). */
export async function trialSignup(prisma: PrismaClient, data: Partial<SignupData> = {}, context: Partial<SignupContext> = {}) {
  const outcome = await registerTrialSignup(prisma, signupData(data), signupContext(context));
  if (outcome.kind !== "created") throw new Error(`the signup answered ${outcome.kind}, not created`);
  return prisma.tenant.findUniqueOrThrow({ where: { statusToken: outcome.statusToken }, include: { jobs: true, customer: true } });
}
