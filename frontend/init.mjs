// Loaded as <script type="module">, so it only runs in browsers that GOV.UK
// Frontend supports. It does the job of the GOV.UK template's inline <script>,
// which our Content-Security-Policy (script-src 'self') would block.
import {
  Accordion, Button, CharacterCount, Checkboxes, ErrorSummary, ExitThisPage, FileUpload,
  NotificationBanner, PasswordInput, Radios, ServiceNavigation, SkipLink, Tabs, initAll
} from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// Content swapped in by htmx: initialise GOV.UK components inside it, and the
// swapped element itself if it is one (initAll only looks at descendants).
const components = [
  Accordion, Button, CharacterCount, Checkboxes, ErrorSummary, ExitThisPage, FileUpload,
  NotificationBanner, PasswordInput, Radios, ServiceNavigation, SkipLink, Tabs
]
document.addEventListener('htmx:load', (event) => {
  const element = event.detail.elt
  if (!(element instanceof Element) || element === document.body) return
  initAll({ scope: element })
  const Component = components.find((c) => c.moduleName === element.getAttribute('data-module'))
  if (Component) {
    try {
      new Component(element) // eslint-disable-line no-new
    } catch (error) {
      console.log(error)
    }
  }
})
