// Drives Firefox for tests/other_browsers through WebDriver BiDi (puppeteer-core: no browser download).
// Usage: node firefox_driver.mjs /usr/bin/firefox-esr; then one JSON command per line on stdin
// ({"op": "goto"|"reload"|"eval"|"click"|"key"|"close", ...}), one JSON answer per line on stdout.
import readline from 'node:readline';
import puppeteer from 'puppeteer-core';

const browser = await puppeteer.launch({
  browser: 'firefox', protocol: 'webDriverBiDi', executablePath: process.argv[2], headless: true,
});
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900 });
const loaded = { waitUntil: 'load', timeout: 120000 };

const commands = {
  goto: (c) => page.goto(c.url, loaded).then(() => null),
  reload: () => page.reload(loaded).then(() => null),
  eval: (c) => page.evaluate(c.js),  // an expression; a promise is awaited
  click: (c) => page.click(c.selector).then(() => null),
  key: (c) => page.keyboard.press(c.key).then(() => null),
  version: () => browser.version(),
};

process.stdout.write(JSON.stringify({ result: 'started', error: null }) + '\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.op === 'close') break;
  let answer;
  try {
    answer = { result: (await commands[command.op](command)) ?? null, error: null };
  } catch (error) {
    answer = { result: null, error: String((error && error.message) || error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
// close, but never hang the test run on a browser that does not answer
await Promise.race([browser.close(), new Promise((done) => setTimeout(done, 10000))]);
process.exit(0);
