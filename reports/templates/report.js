// Enhancements only: the report reads the same without this script (sorting, filtering, print).
(function () {
  "use strict";
  var RANK = { critical: 5, high: 4, medium: 3, low: 2, info: 1 };

  function sortKey(cell) {
    var text = (cell ? cell.textContent : "").trim();
    var lower = text.toLowerCase();
    if (RANK[lower]) return [0, RANK[lower], ""];
    var number = Number(text.replace(/[,\s]/g, ""));
    return text !== "" && !isNaN(number) ? [0, number, ""] : [1, 0, lower];
  }

  function compare(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    if (a[1] !== b[1]) return a[1] - b[1];
    return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
  }

  function makeSortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      // The header itself is the control (a <button> inside would print as a form field, not text).
      th.tabIndex = 0;
      th.classList.add("sort");
      th.title = "Sort by this column";
      function sort() {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains("more"); });
        var more = Array.prototype.filter.call(body.rows, function (r) { return r.classList.contains("more"); });
        rows.sort(function (a, b) {
          var order = compare(sortKey(a.cells[col]), sortKey(b.cells[col]));
          return descending ? -order : order;
        });
        rows.concat(more).forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          sort();
        }
      });
    });
  }

  function addFilter(table) {
    var body = table.tBodies[0];
    var box = document.createElement("input");
    box.type = "search";
    box.className = "filter";
    box.placeholder = "Filter these rows";
    box.setAttribute("aria-label", "Filter the rows of this table");
    var count = document.createElement("span");
    count.className = "filter-count";
    count.setAttribute("aria-live", "polite");
    var bar = document.createElement("div");
    bar.className = "filterbar";
    bar.appendChild(box);
    bar.appendChild(count);
    table.parentNode.insertBefore(bar, table);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (r) {
        if (r.classList.contains("more")) return;
        var hit = !needle || r.textContent.toLowerCase().indexOf(needle) !== -1;
        r.hidden = !hit;
        if (hit) shown += 1;
      });
      count.textContent = needle ? shown + " shown" : "";
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    makeSortable(table);
    if (table.tBodies[0] && table.tBodies[0].rows.length > 8) addFilter(table);
  });

  // Print every card expanded, then give the reader back the page as it was.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
