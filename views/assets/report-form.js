/*
 * Progressive enhancement of the tip-off form (/report). Everything here also works without
 * JavaScript through submit buttons that re-render the form on the server; this file only makes it
 * faster: region levels load in place, rows are added in place, the description shows its length.
 * No inline scripts (CSP); no data leaves the page except region look-ups.
 */
(function () {
  'use strict';
  var form = document.querySelector('form.report-form');
  if (!form) return;
  document.documentElement.classList.add('js');

  // ---- Region: cascading selects filled from /api/v1/regions/:code/children
  var steps = form.querySelector('.region-steps');
  var nextButton = form.querySelector('.region-next');
  var LEVEL_LABELS = { 2: '市（州）', 3: '县（市、区）', 4: '乡镇（街道）', 5: '村（社区）' };
  if (steps && nextButton) {
    nextButton.hidden = true;
    steps.addEventListener('change', function (ev) {
      var select = ev.target;
      if (!select || select.tagName !== 'SELECT') return;
      var level = Number(select.getAttribute('data-level'));
      Array.prototype.slice.call(steps.querySelectorAll('.region-step')).forEach(function (step) {
        if (Number(step.getAttribute('data-level')) > level) step.parentNode.removeChild(step);
      });
      var code = select.value;
      if (!code || level >= 5) return;
      fetch('/api/v1/regions/' + encodeURIComponent(code) + '/children', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (data) {
          var list = Array.isArray(data) ? data : (data.children || data.regions || data.items || []);
          if (!list.length || select.value !== code) return;
          var childLevel = Number(list[0].level) || level + 1;
          var wrap = document.createElement('div');
          wrap.className = 'region-step';
          wrap.setAttribute('data-level', String(childLevel));
          var label = document.createElement('label');
          label.htmlFor = 'region_l' + childLevel;
          label.textContent = LEVEL_LABELS[childLevel] || '下一级';
          var next = document.createElement('select');
          next.id = 'region_l' + childLevel;
          next.name = 'region_l' + childLevel;
          next.setAttribute('data-level', String(childLevel));
          var empty = document.createElement('option');
          empty.value = '';
          empty.textContent = '请选择（可不选）';
          next.appendChild(empty);
          list.forEach(function (r) {
            var o = document.createElement('option');
            o.value = r.code;
            o.textContent = r.name;
            next.appendChild(o);
          });
          wrap.appendChild(label);
          wrap.appendChild(next);
          steps.appendChild(wrap);
        })
        .catch(function () { nextButton.hidden = false; });
    });
  }

  // ---- Repeated rows: add in place (the server also accepts any number of rows up to the limit)
  Array.prototype.slice.call(form.querySelectorAll('button.add-row')).forEach(function (button) {
    var container = document.getElementById(button.getAttribute('data-target'));
    if (!container) return;
    button.addEventListener('click', function (ev) {
      var rows = container.querySelectorAll('.row');
      var max = Number(container.getAttribute('data-max')) || 10;
      if (!rows.length || rows.length >= max) return;
      ev.preventDefault();
      var last = rows[rows.length - 1];
      var index = Number(last.getAttribute('data-index')) + 1;
      var copy = last.cloneNode(true);
      copy.setAttribute('data-index', String(index));
      Array.prototype.slice.call(copy.querySelectorAll('.field-error')).forEach(function (e) { e.parentNode.removeChild(e); });
      var title = copy.querySelector('.row-title');
      if (title) title.textContent = title.textContent.replace(/\d+$/, String(rows.length + 1));
      Array.prototype.slice.call(copy.querySelectorAll('input')).forEach(function (input) {
        input.name = input.name.replace(/\[\d+\]/, '[' + index + ']');
        input.id = input.id.replace(/-\d+-/, '-' + index + '-');
        input.value = '';
        input.removeAttribute('aria-invalid');
      });
      Array.prototype.slice.call(copy.querySelectorAll('label')).forEach(function (label) {
        label.htmlFor = label.htmlFor.replace(/-\d+-/, '-' + index + '-');
      });
      container.appendChild(copy);
      if (rows.length + 1 >= max) button.hidden = true;
      var first = copy.querySelector('input');
      if (first) first.focus();
    });
  });

  // ---- Description length in characters (code points: 𠮷 counts once)
  var description = document.getElementById('description');
  var counter = document.getElementById('description-count');
  if (description && counter) {
    var min = Number(description.getAttribute('data-min'));
    var max = Number(description.getAttribute('data-max'));
    var update = function () {
      var n = Array.from(description.value.trim()).length;
      counter.textContent = '已写 ' + n + ' 个字' + (n < min ? '，至少还要 ' + (min - n) + ' 个字' : n > max ? '，超出 ' + (n - max) + ' 个字' : '');
    };
    description.addEventListener('input', update);
    update();
  }

  // ---- Reporter fields only when real-name is chosen
  var reporterFields = document.getElementById('reporter-fields');
  var radios = form.querySelectorAll('input[name="anonymous"]');
  if (reporterFields && radios.length) {
    var sync = function () {
      var real = form.querySelector('input[name="anonymous"][value="0"]');
      reporterFields.hidden = !(real && real.checked);
    };
    Array.prototype.slice.call(radios).forEach(function (r) { r.addEventListener('change', sync); });
    sync();
  }
})();
