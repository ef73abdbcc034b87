// Writes a suite's results: <suite>-<date>.json (everything), .md (the tables) and .svg (the plot).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SuiteResult } from '../results.js';
import { renderSvg } from './svg.js';
import { renderMarkdown, renderText } from './table.js';

export interface WrittenFiles {
  json: string;
  markdown: string;
  svg: string;
}

/** '2026-11-23T22:40:05.123Z' → '2026-11-23T22-40-05Z' (safe in file names, sorts by time). */
export function fileStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function renderSuiteMarkdown(result: SuiteResult, svgName?: string): string {
  const machine = Object.entries(result.machine).map(([k, v]) => `${k} ${v}`).join(', ');
  const versions = Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  const parts = [
    `## ${result.suite}: ${result.title}`,
    '',
    `Run ${result.startedAt}${result.quick ? ' (--quick: figures are a smoke check, not a measurement)' : ''}. Machine: ${machine}. Versions: ${versions}.`,
    '',
    ...result.scenarios.flatMap((s) => [renderMarkdown(result.suite, s), '']),
  ];
  if (svgName) parts.push(`![${result.suite} latency percentiles](${svgName})`, '');
  return parts.join('\n');
}

export function writeResults(result: SuiteResult, outDir: string): WrittenFiles {
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, `${result.suite}-${fileStamp(result.startedAt)}`);
  const files = { json: `${base}.json`, markdown: `${base}.md`, svg: `${base}.svg` };
  writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(files.svg, renderSvg(result));
  writeFileSync(files.markdown, renderSuiteMarkdown(result, `${result.suite}-${fileStamp(result.startedAt)}.svg`));
  return files;
}

/** Re-renders a results JSON (after a renderer change, or for docs): .md and .svg beside it or in `outDir`. */
export function rerenderResults(jsonFile: string, outDir?: string): { text: string; markdown: string; svg: string } {
  const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as SuiteResult;
  const dir = outDir ?? dirname(jsonFile);
  mkdirSync(dir, { recursive: true });
  const base = basename(jsonFile).replace(/\.json$/, '');
  const files = { markdown: join(dir, `${base}.md`), svg: join(dir, `${base}.svg`) };
  writeFileSync(files.svg, renderSvg(result));
  writeFileSync(files.markdown, renderSuiteMarkdown(result, `${base}.svg`));
  const text = result.scenarios.map((s) => renderText(result.suite, s)).join('\n\n');
  return { text, ...files };
}
