// The register at the door (R-ENGAGE-3, ADR 0012).
//
// Every tick, untick and walk-in is first written to a queue in this browser's localStorage, then
// sent to the server as JSON whenever the connection allows: at once, when the browser says it is
// back online, and every few seconds while anything is waiting. Each entry carries an id made here,
// so an entry sent twice (the answer was lost) is saved once. An entry leaves the queue only when
// the server has answered for it: saved, or refused with a reason (shown, never dropped silently).
//
// Without JavaScript the page still works: its forms post to the server directly.

const root = document.getElementById('register')
if (root) start(root)

function uuid4 () {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

function el (tag, attrs = {}, text = '') {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v)
  if (text) node.textContent = text
  return node
}

function start (root) {
  const session = root.dataset.session
  const url = root.dataset.entriesUrl
  const open = root.dataset.open === '1'
  const key = `familyhub.register.${root.dataset.user}.${session}`
  const problemKey = `${key}.problems`
  const status = document.getElementById('register-status')
  const problemBox = document.getElementById('register-problems')
  const problemList = document.getElementById('register-problem-list')
  const lists = {
    children: document.getElementById('register-children'),
    adults: document.getElementById('register-adults')
  }
  const search = document.getElementById('register-q')
  const walkInForm = document.getElementById('walk-in-form')
  const registerForm = document.getElementById('register-form')

  let queue = read(key)
  let problems = read(problemKey)
  let sending = false
  let timer = null
  let delay = 2000
  let signInNeeded = false

  function read (k) {
    try {
      const value = JSON.parse(localStorage.getItem(k) || '[]')
      return Array.isArray(value) ? value : []
    } catch (e) {
      return []
    }
  }

  function write () {
    try {
      localStorage.setItem(key, JSON.stringify(queue))
      localStorage.setItem(problemKey, JSON.stringify(problems))
    } catch (e) {
      showStatus()
    }
  }

  function csrf () {
    const input = document.querySelector('#register-form [name=csrfmiddlewaretoken]')
    return input ? input.value : ''
  }

  // --- rows ---------------------------------------------------------------------------------

  function rowFor (person) {
    return root.querySelector(`.app-register__row[data-person="${CSS.escape(person)}"]`)
  }

  function setState (row, text) {
    const span = row && row.querySelector('[data-state]')
    if (span) span.textContent = text
  }

  function addRow ({ person, name, age, child, photos, toComplete }) {
    const existing = rowFor(person)
    if (existing) return existing
    const list = child ? lists.children : lists.adults
    const id = `present-${person.replace(/[^a-zA-Z0-9-]/g, '-')}`
    const row = el('div', {
      class: 'govuk-checkboxes__item app-register__row',
      'data-person': person,
      'data-child': child ? '1' : '0'
    })
    row.append(el('input', { type: 'hidden', name: 'listed', value: person }))
    const box = el('input', {
      class: 'govuk-checkboxes__input',
      id,
      name: 'present',
      type: 'checkbox',
      value: person
    })
    row.append(box)
    const label = el('label', { class: 'govuk-label govuk-checkboxes__label', for: id }, `${name} `)
    label.append(el('span', { class: 'app-register__age' }, age || ''))
    row.append(label)
    const tags = el('div', { class: 'govuk-hint govuk-checkboxes__hint app-register__tags' })
    if (!photos) {
      tags.append(el('strong', { class: 'govuk-tag govuk-tag--red' }, 'No photos'), ' ')
    }
    if (toComplete) {
      tags.append(el('strong', { class: 'govuk-tag govuk-tag--yellow' }, 'Record to complete'), ' ')
    }
    tags.append(el('span', { class: 'app-register__state', 'data-state': '' }))
    row.append(tags)
    list.prepend(row)
    const empty = root.querySelector(`[data-empty="${child ? 'children' : 'adults'}"]`)
    if (empty) empty.hidden = true
    return row
  }

  function counts () {
    for (const [name, list] of Object.entries(lists)) {
      const n = list.querySelectorAll('input[type=checkbox]:checked').length
      const out = root.querySelector(`[data-count="${name}"]`)
      if (out) out.textContent = String(n)
    }
  }

  // --- the queue -----------------------------------------------------------------------------

  function enqueue (entry) {
    queue.push({ ...entry, id: uuid4(), at: new Date().toISOString() })
    write()
    showStatus()
    flush()
  }

  function tick (row, present) {
    const box = row.querySelector('input[type=checkbox]')
    if (box) box.checked = present
    const label = row.querySelector('label')
    enqueue({
      kind: 'tick',
      person: row.dataset.person,
      present,
      name: label ? label.firstChild.textContent.trim() : '',
      age: (row.querySelector('.app-register__age') || {}).textContent || '',
      child: row.dataset.child === '1',
      photos: !row.querySelector('.govuk-tag--red')
    })
    setState(row, 'Waiting to save')
    counts()
  }

  function showStatus () {
    if (!status) return
    status.hidden = false
    const waiting = queue.length
    status.className = 'app-register__status'
    let text
    if (signInNeeded && waiting) {
      status.classList.add('app-register__status--problem')
      text = `${waiting} waiting to save: your sign-in has ended. They are kept on this device. `
      status.textContent = text
      const link = el('a', { class: 'govuk-link', href: root.dataset.signInUrl }, 'Sign in again')
      status.append(link, ' and come back to this page to save them.')
      return
    }
    if (waiting && !navigator.onLine) {
      status.classList.add('app-register__status--waiting')
      text = `${waiting} waiting to save: no connection. They are kept on this device and saved when the connection returns.`
    } else if (waiting) {
      status.classList.add('app-register__status--waiting')
      text = `${waiting} waiting to save: saving…`
    } else {
      status.classList.add('app-register__status--saved')
      text = 'All saved.'
    }
    status.textContent = text
  }

  function showProblems () {
    problemList.replaceChildren()
    for (const p of problems) {
      const item = el('li', {}, `${p.label}: ${p.message} `)
      const dismiss = el('button', {
        type: 'button',
        class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0 app-register__dismiss'
      }, 'Dismiss')
      dismiss.addEventListener('click', () => {
        problems = problems.filter((q) => q.id !== p.id)
        write()
        showProblems()
      })
      item.append(dismiss)
      if (p.kind === 'walk_in' && walkInForm) {
        const again = el('button', {
          type: 'button',
          class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
        }, 'Correct and add again')
        again.addEventListener('click', () => {
          fillWalkIn(p.entry)
          problems = problems.filter((q) => q.id !== p.id)
          write()
          showProblems()
        })
        item.append(' ', again)
      }
      problemList.append(item)
    }
    problemBox.hidden = problems.length === 0
  }

  function describe (entry) {
    if (entry.kind === 'walk_in') {
      const who = `${entry.given_name || 'Unborn baby'} ${entry.family_name}`.trim()
      return `${who} (added at the door)`
    }
    return entry.name || 'A tick'
  }

  function schedule (ms) {
    clearTimeout(timer)
    timer = setTimeout(flush, ms)
  }

  async function flush () {
    if (sending || queue.length === 0) {
      showStatus()
      return
    }
    if (!navigator.onLine) {
      showStatus()
      schedule(5000)
      return
    }
    sending = true
    const batch = queue.slice(0, 50)
    let response
    try {
      response = await fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-CSRFToken': csrf()
        },
        body: JSON.stringify({ entries: batch })
      })
    } catch (e) {
      sending = false
      delay = Math.min(delay * 2, 30000)
      showStatus()
      schedule(delay)
      return
    }
    sending = false
    const json = (response.headers.get('Content-Type') || '').includes('application/json')
    if (response.type === 'opaqueredirect' || response.status === 401 || response.status === 403 || (response.ok && !json)) {
      signInNeeded = true
      showStatus()
      schedule(30000)
      return
    }
    if (!response.ok || !json) {
      if (response.status === 400 && json) {
        const body = await response.json()
        for (const entry of batch) {
          problems.push({ id: entry.id, kind: entry.kind, entry, label: describe(entry), message: body.error || 'Could not be read' })
        }
        queue = queue.filter((e) => !batch.includes(e))
        write()
        showProblems()
      } else {
        delay = Math.min(delay * 2, 30000)
        schedule(delay)
      }
      showStatus()
      return
    }
    signInNeeded = false
    delay = 2000
    const body = await response.json()
    const answered = new Map(body.results.map((r) => [r.id, r]))
    const pending = new Set()
    for (const entry of batch) {
      const result = answered.get(entry.id)
      if (!result) continue
      const ref = entry.kind === 'walk_in' ? `walkin:${entry.id}` : entry.person
      const row = rowFor(ref)
      if (result.status === 'saved') {
        setState(row, 'Saved')
        if (entry.kind === 'walk_in' && row && result.person) adopt(row, ref, result.person)
      } else {
        setState(row, 'Not saved')
        problems.push({ id: entry.id, kind: entry.kind, entry, label: describe(entry), message: result.message })
      }
    }
    queue = queue.filter((e) => !answered.has(e.id))
    for (const e of queue) pending.add(e.kind === 'walk_in' ? `walkin:${e.id}` : e.person)
    reconcile(body.present || [], pending)
    write()
    showProblems()
    showStatus()
    counts()
    if (queue.length) flush()
  }

  function adopt (row, ref, person) {
    // A walk-in has its record now: later ticks can name the person (older ones still resolve).
    row.dataset.person = person
    for (const input of row.querySelectorAll('input')) {
      if (input.value === ref) input.value = person
    }
  }

  function reconcile (present, pending) {
    // Show what the server holds (another device may have ticked) where nothing here is waiting.
    const saved = new Set(present)
    for (const row of root.querySelectorAll('.app-register__row')) {
      if (pending.has(row.dataset.person) || row.dataset.person.startsWith('walkin:')) continue
      const box = row.querySelector('input[type=checkbox]')
      if (box) box.checked = saved.has(row.dataset.person)
    }
  }

  // --- walk-ins --------------------------------------------------------------------------------

  function field (name) {
    return walkInForm.querySelector(`[name="walkin-${name}"]`)
  }

  function fillWalkIn (entry) {
    const details = walkInForm.closest('details')
    if (details) details.open = true
    field('given_name').value = entry.given_name || ''
    field('family_name').value = entry.family_name || ''
    const adult = walkInForm.querySelector(`[name="walkin-adult"][value="${entry.adult ? '1' : '0'}"]`)
    if (adult) adult.checked = true
    field('date_of_birth').value = entry.date_of_birth_text || ''
    field('unborn').checked = Boolean(entry.unborn)
    field('expected_date_of_delivery').value = entry.edd_text || ''
    field('postcode').value = entry.postcode || ''
    field('given_name').focus()
  }

  function ukDate (text) {
    // '27/3/2024' -> '2024-03-27'; '' -> ''; null when it is not a date.
    const value = (text || '').trim()
    if (!value) return ''
    let m = value.match(/^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})$/)
    if (m) {
      let year = Number(m[3])
      if (m[3].length === 2) year += year <= new Date().getFullYear() % 100 ? 2000 : 1900
      const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[1])))
      if (d.getUTCDate() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1) return null
      return d.toISOString().slice(0, 10)
    }
    m = value.match(/^(\d{4})-(\d{2})-(\d{2})$/)
    return m ? value : null
  }

  function walkInError (message) {
    const box = document.getElementById('walk-in-error')
    box.textContent = message
    box.hidden = !message
  }

  function submitWalkIn (event) {
    event.preventDefault()
    const adultInput = walkInForm.querySelector('[name="walkin-adult"]:checked')
    const adult = adultInput ? adultInput.value === '1' : false
    const unborn = field('unborn').checked
    const entry = {
      kind: 'walk_in',
      given_name: field('given_name').value.trim(),
      family_name: field('family_name').value.trim(),
      adult,
      unborn,
      date_of_birth_text: field('date_of_birth').value,
      edd_text: field('expected_date_of_delivery').value,
      date_of_birth: ukDate(field('date_of_birth').value),
      expected_date_of_delivery: ukDate(field('expected_date_of_delivery').value),
      postcode: field('postcode').value.trim(),
      family_of: field('family_of').value
    }
    const missing = []
    if (!entry.family_name) missing.push('a last name')
    if (!entry.given_name && !unborn) missing.push('a first name')
    if (!adult && !unborn && !entry.date_of_birth) missing.push('the date of birth (like 27/3/2024)')
    if (unborn && !entry.expected_date_of_delivery) missing.push('the expected date of delivery')
    if (!entry.postcode) missing.push('a postcode')
    if (entry.date_of_birth === null || entry.expected_date_of_delivery === null) missing.push('a real date, like 27/3/2024')
    if (missing.length) {
      walkInError(`Enter ${missing.join(', ')}`)
      return
    }
    walkInError('')
    const id = uuid4()
    const name = `${entry.given_name || 'Unborn baby'} ${entry.family_name}`
    queue.push({ ...entry, id, at: new Date().toISOString() })
    write()
    const row = addRow({
      person: `walkin:${id}`,
      name,
      age: unborn ? 'unborn' : (field('date_of_birth').value || ''),
      child: !adult,
      photos: false,
      toComplete: true
    })
    row.querySelector('input[type=checkbox]').checked = true
    setState(row, 'Waiting to save')
    // The next person is often of the same family: keep the last name and postcode, link them.
    const option = el('option', { value: id }, `${name} (added just now)`)
    field('family_of').append(option)
    field('family_of').value = id
    field('given_name').value = ''
    field('date_of_birth').value = ''
    field('expected_date_of_delivery').value = ''
    field('unborn').checked = false
    field('given_name').focus()
    counts()
    showStatus()
    flush()
  }

  // --- wiring ------------------------------------------------------------------------------------

  function restore () {
    // Entries still waiting from an earlier visit (or before a reload): show them as entered.
    for (const entry of queue) {
      if (entry.kind === 'walk_in') {
        const row = addRow({
          person: `walkin:${entry.id}`,
          name: `${entry.given_name || 'Unborn baby'} ${entry.family_name}`,
          age: entry.unborn ? 'unborn' : (entry.date_of_birth_text || ''),
          child: !entry.adult,
          photos: false,
          toComplete: true
        })
        row.querySelector('input[type=checkbox]').checked = true
        setState(row, 'Waiting to save')
      } else {
        const row = rowFor(entry.person) || addRow({
          person: entry.person,
          name: entry.name || 'Someone ticked earlier',
          age: entry.age,
          child: entry.child,
          photos: entry.photos
        })
        row.querySelector('input[type=checkbox]').checked = entry.present
        setState(row, 'Waiting to save')
      }
    }
  }

  if (!open) {
    showProblems()
    return
  }

  root.addEventListener('change', (event) => {
    const box = event.target
    if (!box.matches('.app-register__row input[type=checkbox]')) return
    tick(box.closest('.app-register__row'), box.checked)
  })

  document.addEventListener('submit', (event) => {
    const form = event.target
    if (form.matches('.app-register__tick-form')) {
      event.preventDefault()
      const d = form.dataset
      const row = addRow({
        person: d.person,
        name: d.name,
        age: d.age,
        child: d.child === '1',
        photos: d.photos === '1'
      })
      const box = row.querySelector('input[type=checkbox]')
      if (!box.checked) tick(row, true)
      const button = form.querySelector('button')
      if (button) button.firstChild.textContent = 'Here'
      if (search) {
        search.focus()
        search.select()
      }
    } else if (form === walkInForm) {
      submitWalkIn(event)
    } else if (form === registerForm) {
      event.preventDefault()
      flush()
    }
  })

  document.addEventListener('click', (event) => {
    const link = event.target.closest('[data-walk-in-link]')
    if (!link || !walkInForm) return
    event.preventDefault()
    const details = walkInForm.closest('details')
    if (details) details.open = true
    const words = (search ? search.value : '').trim().split(/\s+/).filter((w) => !/\d/.test(w))
    if (words.length > 1) {
      field('given_name').value = words.slice(0, -1).join(' ')
      field('family_name').value = words[words.length - 1]
    } else if (words.length === 1) {
      field('given_name').value = words[0]
    }
    field('given_name').focus()
  })

  document.addEventListener('keydown', (event) => {
    const typing = event.target.matches('input, textarea, select')
    const buttons = Array.from(document.querySelectorAll('#register-results .app-register__tick'))
    const at = buttons.indexOf(event.target)
    if (event.key === 'ArrowDown' && (event.target === search || at >= 0) && buttons.length) {
      // From the search box down into the results, and from one result to the next.
      event.preventDefault()
      buttons[Math.min(at + 1, buttons.length - 1)].focus()
    } else if (event.key === 'ArrowUp' && at >= 0) {
      event.preventDefault()
      if (at === 0) search.focus()
      else buttons[at - 1].focus()
    } else if (event.key === 'Escape' && at >= 0) {
      search.focus()
    } else if (event.key === '/' && !typing && search) {
      event.preventDefault()
      search.focus()
      search.select()
    } else if (event.key === 'Escape' && event.target === search) {
      search.value = ''
      document.getElementById('register-results').replaceChildren()
    }
  })

  document.body.addEventListener('htmx:sendError', () => {
    const results = document.getElementById('register-results')
    results.replaceChildren(el('p', { class: 'govuk-body' },
      'Search needs a connection. Tick the people listed, or add someone as not yet registered: ' +
      'they are kept on this device and saved when the connection returns.'))
  })

  window.addEventListener('online', () => { delay = 2000; flush() })
  window.addEventListener('offline', showStatus)
  document.addEventListener('visibilitychange', () => { if (!document.hidden) flush() })
  setInterval(() => { if (queue.length) flush() }, 10000)

  restore()
  showProblems()
  counts()
  showStatus()
  flush()
}
