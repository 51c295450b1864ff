// Build familyhub's front-end assets into familyhub/core/static/build/.
//
//   npm run build      (or: node frontend/build.mjs)
//
// Works offline once `npm ci` has run. Fails loudly if the output would
// contain the GDS Transport font or the crown (both are for GOV.UK only).
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const staticDir = join(root, 'familyhub', 'core', 'static')
const outDir = join(staticDir, 'build')
const assetsOutDir = join(staticDir, 'govuk', 'assets')

const packageDir = (name) => join(root, 'node_modules', name)
const govukDir = join(packageDir('govuk-frontend'), 'dist', 'govuk')
const htmxDir = join(packageDir('htmx.org'), 'dist')

// Anything matching these must never be shipped: not in the CSS, not as a file.
const FORBIDDEN = [/GDS Transport/i, /@font-face/i, /crown/i, /crest/i, /\.woff2?\b/i]

function fail (message) {
  console.error(`frontend build: ${message}`)
  process.exit(1)
}

function checkClean (name, text) {
  for (const pattern of FORBIDDEN) {
    if (pattern.test(text)) fail(`${name} contains ${pattern} - refusing to ship it`)
  }
}

// Remove rules for GOV.UK-only decoration we never render: the footer crown
// and the Royal Arms "© Crown copyright" logo (which pulls in govuk-crest.svg).
// Works on compressed Sass output, where a plain rule is `selectors{decls}`.
function stripGovukOnlyRules (css) {
  const govukOnly = /govuk-footer__(crown|copyright-logo)/
  let out = css.replace(/(?<=^|[{}])([^{}@;]+)\{[^{}]*\}/g, (rule, selectors) => {
    if (!govukOnly.test(selectors)) return rule
    // Only whole rules are removed; a mixed selector list means GOV.UK Frontend
    // changed shape and this function needs another look.
    if (!selectors.split(',').every((s) => govukOnly.test(s))) {
      fail(`cannot strip crown/crest from mixed rule: ${selectors}`)
    }
    return ''
  })
  // Drop @media / @supports blocks left empty by the above.
  let previous
  do {
    previous = out
    out = out.replace(/@(media|supports)[^{}]*\{\}/g, '')
  } while (out !== previous)
  return out
}

async function buildCss () {
  const source = join(here, 'familyhub.scss')
  const result = sass.compile(source, {
    style: 'compressed',
    sourceMap: false,
    importers: [new sass.NodePackageImporter(root)]
  })
  const css = stripGovukOnlyRules(result.css)
  checkClean('familyhub.css', css)

  // Copy exactly the GOV.UK assets the CSS refers to (currently none).
  const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1])
  for (const url of urls) {
    if (url.startsWith('data:')) continue
    const prefix = '../govuk/assets/'
    if (!url.startsWith(prefix)) fail(`unexpected url(${url}) in familyhub.css`)
    const rel = url.slice(prefix.length).split(/[?#]/)[0]
    if (rel.startsWith('fonts/') || rel.includes('..')) fail(`refusing to copy asset ${rel}`)
    checkClean(`asset path ${rel}`, rel)
    await mkdir(dirname(join(assetsOutDir, rel)), { recursive: true })
    await copyFile(join(govukDir, 'assets', rel), join(assetsOutDir, rel))
    console.log(`  asset    ${relative(root, join(assetsOutDir, rel))}`)
  }

  await writeFile(join(outDir, 'familyhub.css'), css + '\n')
  return urls.length
}

async function copyJs () {
  // Drop the sourceMappingURL comments: we don't ship the .map files, and
  // Django's ManifestStaticFilesStorage (used in production) fails
  // collectstatic when a referenced file is missing.
  const stripMap = (js) => js.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')

  const govukJs = stripMap(await readFile(join(govukDir, 'govuk-frontend.min.js'), 'utf8'))
  checkClean('govuk-frontend.min.js', govukJs)
  await writeFile(join(outDir, 'govuk-frontend.min.js'), govukJs)

  const htmxJs = stripMap(await readFile(join(htmxDir, 'htmx.min.js'), 'utf8'))
  checkClean('htmx.min.js', htmxJs)
  await writeFile(join(outDir, 'htmx.min.js'), htmxJs)

  await copyFile(join(here, 'init.mjs'), join(outDir, 'init.js'))
}

async function main () {
  await rm(outDir, { recursive: true, force: true })
  await rm(join(staticDir, 'govuk'), { recursive: true, force: true })
  await mkdir(outDir, { recursive: true })

  const assetCount = await buildCss()
  await copyJs()

  const versions = []
  for (const name of ['govuk-frontend', 'htmx.org', 'sass']) {
    const pkg = JSON.parse(await readFile(join(packageDir(name), 'package.json'), 'utf8'))
    versions.push(`${name} ${pkg.version}`)
  }
  console.log(`frontend build: wrote ${relative(root, outDir)}/ ` +
    `(familyhub.css, govuk-frontend.min.js, htmx.min.js, init.js; ` +
    `${assetCount} GOV.UK asset(s)) with ${versions.join(', ')}`)
}

await main()
