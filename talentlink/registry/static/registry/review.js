// Clerical review: A accepts, R rejects, S skips, outside the note field (a file, not an inline
// script, so that the Content-Security-Policy can forbid inline scripts).
document.addEventListener("keydown", function (event) {
  if (event.target.tagName === "INPUT" || event.ctrlKey || event.metaKey || event.altKey) { return; }
  var verdict = {a: "match", r: "non_match", s: "skip"}[event.key.toLowerCase()];
  if (!verdict) { return; }
  var button = document.querySelector('#review-form button[value="' + verdict + '"]');
  if (!button) { return; }
  event.preventDefault();
  button.click();
});
