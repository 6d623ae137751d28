// Accessibility checks of many pages in one headless Chromium session (Debian's chromium
// driven by puppeteer-core; nothing downloads a browser). Usage:
//   node tests/browser/a11y.js URL...      prints one JSON object: {"pages": [...]}
// Per page: axe-core violations for the WCAG 2.0/2.1/2.2 A and AA tags; reflow at 320 CSS px
// (WCAG 1.4.10); text spacing (1.4.12) at 320 px; 200 % zoom (1280 px / 2 = 640 CSS px);
// visible keyboard focus (2.4.7) for every element Tab reaches.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const puppeteer = require("puppeteer-core");

const ROOT = path.resolve(__dirname, "..", "..");
const AXE = fs.readFileSync(path.join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const SPACING = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;
const MAX_TABS = 60;

// Horizontal overflow of the document, and elements whose content is clipped by
// overflow hidden (text cut off) — what a reader would lose.
function layoutProblems() {
  const doc = document.documentElement;
  const clipped = [];
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const hides = ["hidden", "clip"].includes(style.overflowX) ||
      ["hidden", "clip"].includes(style.overflowY);
    if (hides && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
      clipped.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""));
    }
  }
  return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, clipped };
}

async function layoutAt(page, url, width, scale, css) {
  await page.setViewport({ width, height: 800, deviceScaleFactor: scale });
  await page.goto(url, { waitUntil: "load" });
  if (css) await page.addStyleTag({ content: css });
  return page.evaluate(layoutProblems);
}

async function focusCheck(page) {
  const results = [];
  const seen = new Set();
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press("Tab");
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const index = Array.prototype.indexOf.call(document.querySelectorAll("*"), el);
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.getAttribute("href") ? "[href=" + el.getAttribute("href") + "]" : "") + "@" + index;
      const look = (s) => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join("|");
      const focused = getComputedStyle(el);
      const visible = (focused.outlineStyle !== "none" && parseFloat(focused.outlineWidth) > 0) ||
        focused.boxShadow !== "none";
      const now = look(focused);
      el.blur();
      const before = look(getComputedStyle(el));
      el.focus({ focusVisible: true });
      return { name, visible, differs: now !== before, style: now };
    });
    if (!info) break;
    if (seen.has(info.name)) break; // back at the start: every element was reached
    seen.add(info.name);
    results.push(info);
  }
  return results;
}

// The index's search box: shown by its script, it filters the A-Z list as one types.
async function searchCheck(page) {
  if (!(await page.$("#search-box"))) return null;
  const visible = () => page.evaluate(() =>
    Array.from(document.querySelectorAll("[data-key]")).filter((li) => !li.hidden).length);
  const formShown = await page.evaluate(() => !document.getElementById("search").hidden);
  const total = await visible();
  const first = await page.evaluate(() =>
    document.querySelector("[data-key] a").textContent.trim().slice(0, 4));
  await page.type("#search-box", first);
  const matching = await visible();
  await page.evaluate(() => { document.getElementById("search-box").value = ""; });
  await page.type("#search-box", "zqxjzqxj");
  const none = await visible();
  const status = await page.evaluate(() => document.getElementById("search-status").textContent);
  return { formShown, total, query: first, matching, none, status };
}

async function checkPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  try {
    await page.setViewport({ width: 1280, height: 900, deviceScaleFactor: 1 });
    await page.goto(url, { waitUntil: "load" });
    await page.evaluate(AXE);
    const axe = await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags } });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
    }, TAGS);
    await page.evaluate(() => window.scrollTo(0, 0));
    const focus = await focusCheck(page);
    const search = await searchCheck(page);
    const reflow = await layoutAt(page, url, 320, 1, null);
    // text spacing on the same 320 px page: the override is added to what was measured
    await page.addStyleTag({ content: SPACING });
    const spacing = await page.evaluate(layoutProblems);
    const zoom = await layoutAt(page, url, 640, 2, null);
    return { url, violations: axe, reflow, spacing, zoom, focus, search, errors };
  } catch (error) {
    return { url, error: String(error) };
  } finally {
    await page.close();
  }
}

async function main() {
  const urls = process.argv.slice(2);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "publish-chromium-"));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             `--user-data-dir=${profile}`],
      userDataDir: profile,
    });
  } catch (error) {
    process.stdout.write(JSON.stringify({ launch_error: String(error) }) + "\n");
    fs.rmSync(profile, { recursive: true, force: true });
    return;
  }
  const pages = [];
  try {
    for (const url of urls) pages.push(await checkPage(browser, url));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ pages }) + "\n");
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ fatal: String(error) }) + "\n");
  process.exitCode = 1;
});
