// A person fills the signup form in Chromium, in English and in French, with and without
// JavaScript, and reaches the status page; bad input shows each field's message, input kept.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/browser.ts";
import { repoRoot, startPortal, type Portal } from "../support/portal.ts";

const screenshots = path.join(repoRoot, "test-results", "screenshots");
let portal: Portal;
let browser: Browser;

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  [portal, browser] = await Promise.all([startPortal({ SIGNUP_RATE_LIMIT_PER_HOUR: "1000" }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await portal?.stop();
});

async function newPage(locale: string, javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({ locale, javaScriptEnabled });
  return context.newPage();
}

const unique = () => Math.random().toString(36).slice(2, 8);

describe("signup in Chromium", () => {
  it("takes an English-speaking visitor from the form to the status page", async () => {
    const page = await newPage("en-US");
    await page.goto(portal.url);
    await expect(page.getByRole("heading", { name: "Start your free trial" }).isVisible()).resolves.toBe(true);
    const id = unique();
    await page.getByLabel("First name").fill("Alice");
    await page.getByLabel("Last name").fill("Walker");
    await page.getByLabel("Work email").fill(`alice.${id}@example.com`);
    await page.getByLabel("Company").fill(`Walker & Sons ${id}`);
    await page.getByLabel("Phone").fill("+44 20 7946 0958");
    await page.getByLabel("I accept the terms and conditions").check();
    await page.screenshot({ path: path.join(screenshots, "signup-en.png"), fullPage: true });
    await page.getByRole("button", { name: "Start my free trial" }).click();

    await page.waitForURL(/\/trial\/[A-Za-z0-9_-]{43}$/);
    await page.getByText(`Thank you, Alice! Your trial for Walker & Sons ${id} is registered.`).waitFor();
    expect(await page.getByTestId("slug").textContent()).toBe(`walker-sons-${id}`);
    expect(await page.getByTestId("plan").textContent()).toBe("Starter");
    expect(await page.getByTestId("state").getAttribute("data-state")).toBe("pending");
    await page.screenshot({ path: path.join(screenshots, "status-en.png"), fullPage: true });
    await page.context().close();
  });

  it("takes a French-speaking visitor through the form in French", async () => {
    const page = await newPage("fr-FR");
    await page.goto(portal.url);
    await page.getByRole("heading", { name: "Démarrez votre essai gratuit" }).waitFor();
    const id = unique();
    await page.getByLabel("Prénom").fill("Émile");
    await page.getByLabel("Nom", { exact: true }).fill("Zola");
    await page.getByLabel("E-mail professionnel").fill(`Emile.${id}@Exemple.FR`);
    await page.getByLabel("Société").fill(`Société Générale ${id}`);
    await page.getByLabel("Téléphone").fill("06 12 34 56 78");
    await page.getByLabel("J'accepte les conditions générales").check();
    await page.getByRole("button", { name: "Démarrer mon essai gratuit" }).click();

    await page.waitForURL(/\/trial\//);
    await page.getByRole("heading", { name: "Votre espace client" }).waitFor();
    await page.getByText(`Merci, Émile ! Votre essai pour Société Générale ${id} est enregistré.`).waitFor();
    expect(await page.getByTestId("slug").textContent()).toBe(`societe-generale-${id}`);
    expect(await page.getByTestId("state").textContent()).toBe("En file d'attente");
    await page.screenshot({ path: path.join(screenshots, "status-fr.png"), fullPage: true });
    await page.context().close();
  });

  it("switches language with the link in the header", async () => {
    const page = await newPage("en-US");
    await page.goto(portal.url);
    await page.getByRole("link", { name: "Français" }).click();
    await page.getByRole("heading", { name: "Démarrez votre essai gratuit" }).waitFor();
    await page.getByRole("link", { name: "English" }).click();
    await page.getByRole("heading", { name: "Start your free trial" }).waitFor();
    await page.context().close();
  });

  it("shows each field's message as the user types, keeping what was typed", async () => {
    const page = await newPage("en-US");
    await page.goto(portal.url);
    await page.getByLabel("First name").fill("Bob");
    await page.getByLabel("Work email").fill("bob@nowhere");
    await page.getByLabel("Work email").blur();
    // Checked as soon as the field is left, before any submit.
    await page.getByText("Please enter a valid email address, such as name@company.com").waitFor();

    await page.getByLabel("Phone").fill("12345");
    await page.getByLabel("Company").fill("Bob's Burgers");
    await page.getByRole("button", { name: "Start my free trial" }).click();

    await page.getByText("Please fill in all required fields").waitFor();
    const message = (field: string) => page.locator(`#${field}-error`).textContent();
    expect(await message("lastName")).toBe("This field is required");
    expect(await message("email")).toBe("Please enter a valid email address, such as name@company.com");
    expect(await message("phone")).toMatch(/^Please enter a valid phone number/);
    expect(await message("acceptTerms")).toBe("Please accept the terms");
    expect(await page.locator("#firstName-error").count()).toBe(0);
    expect(await page.getByLabel("First name").inputValue()).toBe("Bob");
    expect(await page.getByLabel("Work email").inputValue()).toBe("bob@nowhere");
    expect(await page.getByLabel("Company").inputValue()).toBe("Bob's Burgers");
    expect(await page.getByLabel("Phone").inputValue()).toBe("12345");
    expect(await page.getByLabel("Work email").getAttribute("aria-invalid")).toBe("true");
    expect(new URL(page.url()).pathname).toBe("/");
    await page.screenshot({ path: path.join(screenshots, "signup-errors-en.png"), fullPage: true });

    // Fixing a field clears its message at once.
    await page.getByLabel("Work email").fill("bob@bobs-burgers.com");
    await page.locator("#email-error").waitFor({ state: "detached" });
    await page.context().close();
  });

  it("shows the server's messages in French when JavaScript is off, keeping what was typed", async () => {
    const page = await newPage("fr-FR", false);
    await page.goto(portal.url);
    await page.getByLabel("Prénom").fill("Zoé");
    await page.getByLabel("E-mail professionnel").fill("zoe-at-example");
    await page.getByLabel("Téléphone").fill("0");
    await page.getByRole("button", { name: "Démarrer mon essai gratuit" }).click();
    await page.getByText("Veuillez remplir tous les champs obligatoires").waitFor();
    const message = (field: string) => page.locator(`#${field}-error`).textContent();
    expect(await message("lastName")).toBe("Ce champ est obligatoire");
    expect(await message("company")).toBe("Ce champ est obligatoire");
    expect(await message("email")).toMatch(/^Veuillez saisir une adresse e-mail valide/);
    expect(await message("phone")).toMatch(/^Veuillez saisir un numéro de téléphone valide/);
    expect(await message("acceptTerms")).toBe("Veuillez accepter les conditions générales");
    expect(await page.getByLabel("Prénom").inputValue()).toBe("Zoé");
    expect(await page.getByLabel("E-mail professionnel").inputValue()).toBe("zoe-at-example");
    expect(await page.getByLabel("Téléphone").inputValue()).toBe("0");
    await page.screenshot({ path: path.join(screenshots, "signup-errors-fr-nojs.png"), fullPage: true });
    await page.context().close();
  });
});
