// Renders build/icon.svg to the PNG icons electron-builder and the tray use.
// Run after changing the SVG: node scripts/make-icons.mjs (needs Chromium).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const svg = fs.readFileSync(path.join(root, 'build/icon.svg'), 'utf8');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
for (const [file, size] of [['build/icon.png', 512], ['build/tray.png', 32], ['build/tray@2x.png', 64]]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="512" height="512"', `width="${size}" height="${size}"`)}</body></html>`);
  await page.screenshot({ path: path.join(root, file), omitBackground: true });
  await page.close();
}
await browser.close();
console.log('icons written to build/');
