"""Forms of the sharing pages: they parse what was typed; `sharing.services` decides what is
valid and its field errors are put back on the form (`people.forms.apply_errors`)."""
