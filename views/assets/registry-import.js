/*
 * Import job page (/staff/registry/imports/:id): updates the progress bar without reloading by
 * polling the job's JSON (/api/v1/registry/imports/:id), and reloads the page once the job has
 * finished (to show the rejected rows and the report link). Without JavaScript the page has a plain
 * "refresh" link. No inline scripts (CSP).
 */
(function () {
  'use strict';
  var box = document.querySelector('[data-import-job]');
  if (!box || box.getAttribute('data-done') === '1') return;
  var id = box.getAttribute('data-import-job');
  var LABELS = { queued: '排队中', running: '导入中', succeeded: '已完成', failed: '失败' };
  var set = function (sel, text) {
    var el = box.querySelector(sel);
    if (el) el.textContent = String(text);
  };
  var refresh = box.querySelector('.job-refresh');
  if (refresh) refresh.setAttribute('aria-live', 'polite');
  var tick = function () {
    fetch('/api/v1/registry/imports/' + encodeURIComponent(id), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) return setTimeout(tick, 5000);
        var bar = box.querySelector('.job-progress');
        if (bar) { bar.value = job.progress; bar.textContent = job.progress + '%'; }
        set('.job-percent', job.progress + '%');
        set('.job-status', LABELS[job.status] || job.status);
        set('.job-processed', job.processedRows);
        set('.job-accepted', job.acceptedRows);
        set('.job-rejected', job.rejectedRows);
        if (job.status === 'succeeded' || job.status === 'failed') window.location.reload();
        else setTimeout(tick, 1500);
      })
      .catch(function () { setTimeout(tick, 5000); });
  };
  setTimeout(tick, 1000);
})();
