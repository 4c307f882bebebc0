/* Talent CRM recruiter dashboard: plain JavaScript, no framework, nothing loaded from elsewhere.
 *
 * - Signs in as a team member (email and password through POST /auth/sign-in, with the first sign-in's
 *   new password) or with an API key; the token or key is kept in sessionStorage and every call sends it
 *   as a Bearer token; a 401 brings the sign-in form back with a message.
 * - Hash routes: #/overview, #/campaigns[/<id>], #/pools[/<id>], #/candidates[?q=...|/<id>].
 * - Charts are inline SVG drawn here (bars, a funnel, lines), each with <title>/<desc>, and every
 *   figure is also written out as text (data-testid attributes name the key ones for the tests).
 */
(function () {
  "use strict";

  var STORAGE_KEY = "talentcrm.apiKey";
  var COLORS = { blue: "#1d4ed8", teal: "#0f766e", amber: "#b45309", purple: "#6d28d9", rose: "#be123c",
                 slate: "#475569", green: "#15803d" };
  var STATUS_TEXT = { on_track: "On track", behind: "Behind", achieved: "Achieved", no_data: "No data" };

  var state = { key: null, renderId: 0, charts: [], firstRoute: true };

  // ------------------------------------------------------------------ small helpers

  function $(id) { return document.getElementById(id); }

  function h(tag, attrs) {
    var node = document.createElement(tag);
    var children = Array.prototype.slice.call(arguments, 2);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = String(value);
      else if (name === "class") node.className = value;
      else if (name === "style") node.style.cssText = value;  // CSSOM: allowed by the CSP, unlike a style attribute
      else if (name.slice(0, 2) === "on" && typeof value === "function") node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    append(node, children);
    return node;
  }

  function append(node, children) {
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) append(node, child);
      else node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  var uid = 0;
  function newId(prefix) { uid += 1; return prefix + "-" + uid; }

  var numberFormat = new Intl.NumberFormat("en-US");
  var moneyFormat = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function num(value) { return value === null || value === undefined ? "n/a" : numberFormat.format(value); }
  function pct(value) { return value === null || value === undefined ? "n/a" : (value * 100).toFixed(1) + "%"; }
  function days(value) { return value === null || value === undefined ? "n/a" : numberFormat.format(value) + " days"; }
  function money(value) { return value === null || value === undefined ? "n/a" : moneyFormat.format(value); }

  function when(text) {
    if (!text) return "n/a";
    var date = new Date(text);
    if (isNaN(date.getTime())) return String(text);
    return date.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit",
                                          minute: "2-digit" });
  }

  function dateOnly(text) {
    if (!text) return "n/a";
    var date = new Date(text);
    if (isNaN(date.getTime())) return String(text);
    return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function plural(count, word) { return num(count) + " " + word + (count === 1 ? "" : "s"); }

  function humanize(text) {
    var words = String(text || "").replace(/[_.]+/g, " ").trim();
    return words ? words.charAt(0).toUpperCase() + words.slice(1) : "";
  }

  function isoDay(date) { return date.toISOString().slice(0, 10); }

  function timeEl(text) {
    return h("time", { datetime: text || null, text: when(text) });
  }

  function announce(text) { $("status").textContent = text; }

  // ------------------------------------------------------------------ the API

  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  function api(path) {
    var key = state.key;
    return fetch(path, { headers: { "Authorization": "Bearer " + key, "Accept": "application/json" },
                         credentials: "omit", cache: "no-store" })
      .then(function (response) {
        return response.text().then(function (text) {
          var body = null;
          try { body = text ? JSON.parse(text) : null; } catch (ignored) { body = null; }
          if (response.status === 401) {
            if (state.key === key) {
              signOut("Your session ended or your key was not accepted (401 Unauthorized). Sign in again.");
            }
            throw new ApiError(401, "unauthorized", "not signed in");
          }
          if (!response.ok) {
            var error = (body && body.error) || {};
            throw new ApiError(response.status, error.code || "http_" + response.status,
                               error.message || "The server answered " + response.status + ".");
          }
          return body;
        });
      }, function () {
        throw new ApiError(0, "network", "The server could not be reached. Is the stack running?");
      });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (name) {
      if (params[name] !== null && params[name] !== undefined && params[name] !== "") {
        parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(params[name]));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  // ------------------------------------------------------------------ sign in and out

  function showSignin(message) {
    state.key = null;
    state.renderId += 1;
    state.charts = [];
    $("nav").hidden = true;
    $("sign-out").hidden = true;
    $("view").hidden = true;
    $("view").textContent = "";
    $("signin").hidden = false;
    var note = $("signin-message");
    note.textContent = message || "";
    note.hidden = !message;
    document.title = "Sign in · Talent CRM dashboard";
    ["api-key", "signin-password", "new-password"].forEach(function (id) { $(id).value = ""; });
    ["api-key", "signin-email", "signin-password"].forEach(function (id) { $(id).removeAttribute("aria-invalid"); });
    $("signin-form").hidden = false;
    $("new-password-form").hidden = true;
    $("who").hidden = true;
    $("signin-email").focus();
  }

  function signOut(message) {
    var key = state.key;
    try { sessionStorage.removeItem(STORAGE_KEY); } catch (ignored) { /* storage may be off */ }
    if (key && key.indexOf("crm_") !== 0) {  // a sign-in token: revoke it (a key stays valid; revoke it apart)
      fetch("/auth/sign-out", { method: "POST", headers: { "Authorization": "Bearer " + key },
                                credentials: "omit" }).catch(function () { /* signed out here anyway */ });
    }
    showSignin(message);
  }

  function showApp() {
    $("signin").hidden = true;
    $("nav").hidden = false;
    $("sign-out").hidden = false;
    $("view").hidden = false;
    api("/me").then(function (me) {
      var who = $("who");
      who.textContent = me.name + " · " + me.role;
      who.title = me.email;
      who.hidden = false;
    }, function () { /* a 401 signs out already */ });
  }

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
                         body: JSON.stringify(body), credentials: "omit", cache: "no-store" })
      .then(function (response) {
        return response.json().then(function (answer) { return { status: response.status, body: answer }; },
                                    function () { return { status: response.status, body: {} }; });
      });
  }

  function signinProblem(message, field) {
    var note = $("signin-message");
    note.textContent = message;
    note.hidden = false;
    if (field) {
      $(field).setAttribute("aria-invalid", "true");
      $(field).focus();
    }
  }

  function onSignin(event) {
    event.preventDefault();
    var key = $("api-key").value.trim();
    var email = $("signin-email").value.trim();
    var password = $("signin-password").value;
    var button = event.target.querySelector("button[type=submit]");
    if (key) return useKey(key, button);
    if (!email) return signinProblem("Enter your email address.", "signin-email");
    if (!password) return signinProblem("Enter your password.", "signin-password");
    button.disabled = true;
    post("/auth/sign-in", { email: email, password: password }).then(function (answer) {
      button.disabled = false;
      afterSignin(answer, email);
    }, function () {
      button.disabled = false;
      signinProblem("The server could not be reached. Is the stack running?");
    });
  }

  function afterSignin(answer, email) {
    if (answer.status === 200 && answer.body.challenge === "new_password_required") {
      state.challenge = { email: email, session: answer.body.session };
      $("signin-form").hidden = true;
      $("new-password-form").hidden = false;
      $("signin-message").hidden = true;
      $("new-password").focus();
    } else if (answer.status === 200 && answer.body.token) {
      useKey(answer.body.token, null);
    } else if (answer.status === 401) {
      signinProblem("Wrong email or password.", "signin-password");
    } else {
      var error = (answer.body && answer.body.error) || {};
      var fields = error.fields || {};
      signinProblem(fields.new_password ? "Choose another password: " + fields.new_password
                                        : "Could not sign in: " + (error.message || answer.status));
    }
  }

  function onNewPassword(event) {
    event.preventDefault();
    var challenge = state.challenge || {};
    var password = $("new-password").value;
    if (!password) return signinProblem("Choose a password.", "new-password");
    post("/auth/new-password", { email: challenge.email, session: challenge.session, new_password: password })
      .then(function (answer) {
        if (answer.status === 401) {  // the session lasts a few minutes: start again
          showSignin("That took too long: sign in again with your temporary password.");
        } else {
          afterSignin(answer, challenge.email);
        }
      }, function () { signinProblem("The server could not be reached. Is the stack running?"); });
  }

  function useKey(key, button) {
    var note = $("signin-message");
    if (button) button.disabled = true;
    state.key = key;
    api("/me").then(function () {
      try { sessionStorage.setItem(STORAGE_KEY, key); } catch (ignored) { /* storage may be off */ }
      if (button) button.disabled = false;
      ["api-key", "signin-password", "new-password"].forEach(function (id) { $(id).value = ""; });
      note.hidden = true;
      showApp();
      state.firstRoute = false;
      if (!VIEWS[parseRoute().view]) location.replace("#/overview");  // hashchange routes
      else route();
    }, function (error) {
      if (button) button.disabled = false;
      if (error.status === 401) {
        showSignin("That API key was not accepted (401 Unauthorized). Check it and try again.");
      } else {
        state.key = null;
        note.textContent = "Could not sign in: " + error.message;
        note.hidden = false;
      }
    });
  }

  // ------------------------------------------------------------------ routing

  function parseRoute() {
    var hash = location.hash.replace(/^#\/?/, "");
    var queryAt = hash.indexOf("?");
    var path = queryAt >= 0 ? hash.slice(0, queryAt) : hash;
    var params = {};
    if (queryAt >= 0) {
      hash.slice(queryAt + 1).split("&").forEach(function (pair) {
        if (!pair) return;
        var at = pair.indexOf("=");
        var name = decodeURIComponent((at >= 0 ? pair.slice(0, at) : pair).replace(/\+/g, " "));
        params[name] = decodeURIComponent((at >= 0 ? pair.slice(at + 1) : "").replace(/\+/g, " "));
      });
    }
    var parts = path.split("/").filter(Boolean).map(function (part) {
      try { return decodeURIComponent(part); } catch (ignored) { return part; }
    });
    return { view: parts[0] || "", id: parts[1] || null, params: params };
  }

  var VIEWS = {
    overview: { title: "Overview", list: renderOverview },
    campaigns: { title: "Campaigns", list: renderCampaigns, detail: renderCampaign },
    pools: { title: "Pools", list: renderPools, detail: renderPool },
    candidates: { title: "Candidates", list: renderCandidates, detail: renderCandidate }
  };

  function route() {
    if (!state.key) return;
    var current = parseRoute();
    var view = VIEWS[current.view];
    if (!view) {
      location.replace("#/overview");
      return;
    }
    document.querySelectorAll("#nav a").forEach(function (link) {
      if (link.getAttribute("data-view") === current.view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    state.renderId += 1;
    state.charts = [];
    var renderId = state.renderId;
    var container = $("view");
    container.textContent = "";
    var loading = h("p", { class: "loading", text: "Loading " + view.title.toLowerCase() + "…" });
    container.appendChild(loading);
    announce("Loading " + view.title.toLowerCase());
    var render = current.id && view.detail ? view.detail : view.list;
    var focus = !state.firstRoute;
    state.firstRoute = false;
    render(current, renderId).then(function (content) {
      if (renderId !== state.renderId) return;
      container.textContent = "";
      container.appendChild(content);
      drawCharts();
      var heading = container.querySelector("h1");
      document.title = (heading ? heading.textContent + " · " : "") + "Talent CRM dashboard";
      announce((heading ? heading.textContent : view.title) + " loaded");
      if (focus && heading) heading.focus();
    }, function (error) {
      if (renderId !== state.renderId || error.status === 401) return;
      container.textContent = "";
      container.appendChild(problem(view.title, error));
      announce("Could not load " + view.title.toLowerCase());
      if (focus) container.querySelector("h1").focus();
    });
  }

  function problem(title, error) {
    var message = error.status === 404 ? "Not found: " + error.message
      : error.message || "Something went wrong.";
    return h("section", { class: "view" },
      h("h1", { tabindex: "-1", text: title }),
      h("p", { class: "notice notice-error", role: "alert", "data-testid": "error", text: message }),
      h("p", {}, h("a", { href: "#/overview", text: "Back to the overview" })));
  }

  // ------------------------------------------------------------------ building blocks

  function page(title, subtitle) {
    var children = Array.prototype.slice.call(arguments, 2);
    return h("div", { class: "view" },
      h("div", { class: "view-head" },
        h("h1", { tabindex: "-1", text: title }),
        subtitle ? h("p", { class: "subtitle" }, subtitle) : null),
      children);
  }

  function section(title, options) {
    var id = newId("section");
    var children = Array.prototype.slice.call(arguments, 2);
    return h("section", { class: "panel" + (options && options.wide ? " panel-wide" : ""), "aria-labelledby": id },
      h("h2", { id: id, text: title }), children);
  }

  function stats(items) {
    return h("dl", { class: "stats" }, items.map(function (item) {
      return h("div", { class: "stat" },
        h("dt", { text: item[0] }),
        h("dd", { "data-testid": item[2] || null, "data-value": item[3] === undefined ? null :
                  (item[3] === null ? "null" : String(item[3])), text: item[1] }),
        item[4] ? h("p", { class: "stat-note", text: item[4] }) : null);
    }));
  }

  function badge(status) {
    return h("span", { class: "badge badge-" + String(status || "unknown").replace(/[^a-z_]/g, ""),
                       text: humanize(status || "unknown") });
  }

  function table(caption, headers, rows, options) {
    var wrap = h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-label": caption });
    // explicit roles: on phones the rows are laid out as cards (display: block), which would
    // otherwise drop the table's semantics in some browsers
    var tableNode = h("table", { role: "table", "data-testid": options && options.testid || null },
      h("caption", { class: options && options.showCaption ? "" : "visually-hidden", text: caption }),
      h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, headers.map(function (header, index) {
        return h("th", { scope: "col", role: "columnheader", class: index > 0 && options && options.numeric ? "num" : null,
                         text: header });
      }))),
      h("tbody", { role: "rowgroup" }, rows.map(function (row) { return tableRow(row, headers, options); })));
    wrap.appendChild(tableNode);
    return wrap;
  }

  function tableRow(row, headers, options) {
    return h("tr", { role: "row" }, row.map(function (cell, index) {
      var attrs = { class: index > 0 && options && options.numeric ? "num" : null, "data-label": headers[index] };
      if (index === 0 && options && options.rowHeaders) {
        return h("th", Object.assign({ scope: "row", role: "rowheader" }, attrs), cell);
      }
      return h("td", Object.assign({ role: "cell" }, attrs), cell);
    }));
  }

  function empty(text) { return h("p", { class: "empty", text: text }); }

  // ------------------------------------------------------------------ charts (inline SVG)

  /* A figure whose SVG is drawn at the width of its box (so text stays readable on a phone) and
   * drawn again when that width changes. `draw(width)` returns the SVG markup. */
  function chart(testid, caption, draw, numbers) {
    var box = h("div", { class: "chart-box" });
    var figure = h("figure", { class: "chart", "data-testid": testid },
      box, h("figcaption", {}, caption), numbers || null);
    state.charts.push({ box: box, draw: draw, width: 0 });
    return figure;
  }

  function drawCharts(force) {
    state.charts.forEach(function (item) {
      var width = Math.max(260, Math.floor(item.box.clientWidth || 0));
      if (!force && width === item.width) return;
      item.width = width;
      item.box.innerHTML = item.draw(width);
    });
  }

  function svgOpen(width, height, title, desc) {
    var titleId = newId("chart-title");
    var descId = newId("chart-desc");
    return '<svg class="chart-svg" role="img" width="' + width + '" height="' + height + '" viewBox="0 0 ' + width +
      " " + height + '" aria-labelledby="' + titleId + " " + descId + '" focusable="false">' +
      '<title id="' + titleId + '">' + esc(title) + "</title>" + '<desc id="' + descId + '">' + esc(desc) + "</desc>";
  }

  function text(x, y, content, attrs) {
    return '<text x="' + x + '" y="' + y + '"' + (attrs || "") + ">" + esc(content) + "</text>";
  }

  function legend(items, width) {
    var x = 0;
    var y = 12;
    var out = "";
    items.forEach(function (item) {
      var size = 22 + item.name.length * 7.2;
      if (x + size > width && x > 0) { x = 0; y += 20; }
      out += '<rect x="' + x + '" y="' + (y - 10) + '" width="12" height="12" rx="2" fill="' + item.color + '"/>' +
        text(x + 17, y, item.name, ' class="legend"');
      x += size + 12;
    });
    return { markup: out, height: y + 12 };
  }

  /* Horizontal bars in groups: [{label, bars: [{name, value, text, color}]}]. `max` fixes the scale
   * (1 for rates); otherwise the largest value. */
  function barChart(title, groups, options) {
    options = options || {};
    var series = options.legend || [];
    var desc = groups.map(function (group) {
      return group.label + ": " + group.bars.map(function (bar) {
        return (group.bars.length > 1 || bar.name !== group.label ? bar.name + " " : "") + bar.text;
      }).join(", ");
    }).join("; ");
    return function (width) {
      var max = options.max || Math.max.apply(null, [0].concat(groups.map(function (group) {
        return Math.max.apply(null, group.bars.map(function (bar) { return bar.value || 0; }));
      }))) || 1;
      var top = 0;
      var body = "";
      if (series.length > 1) {
        var key = legend(series, width);
        body += key.markup;
        top = key.height + 8;
      }
      var valueSpace = 86;
      var barHeight = series.length > 1 ? 14 : 20;
      var y = top;
      groups.forEach(function (group) {
        body += text(0, y + 14, group.label, ' class="label"');
        y += 20;
        group.bars.forEach(function (bar) {
          var length = Math.max(bar.value > 0 ? 2 : 0, Math.round((width - valueSpace) * Math.min(1, (bar.value || 0) / max)));
          body += '<rect x="0" y="' + y + '" width="' + (width - valueSpace) + '" height="' + barHeight +
            '" class="track"/>';
          body += '<rect x="0" y="' + y + '" width="' + length + '" height="' + barHeight + '" fill="' +
            (bar.color || COLORS.blue) + '"><title>' + esc(group.label + ", " + bar.name + ": " + bar.text) +
            "</title></rect>";
          body += text(width - valueSpace + 8, y + barHeight - 4, bar.text, ' class="value"');
          y += barHeight + 4;
        });
        y += 10;
      });
      return svgOpen(width, y, title, desc) + body + "</svg>";
    };
  }

  /* A funnel: centred bars narrowing from the first step; each with its count, share of the first
   * step and conversion from the step before. */
  function funnelChart(title, steps) {
    var first = steps.length ? steps[0].value : 0;
    var desc = steps.map(function (step) { return step.label + " " + num(step.value); }).join(", ");
    return function (width) {
      var rowHeight = 50;
      var body = "";
      steps.forEach(function (step, index) {
        var y = index * rowHeight;
        var share = first ? step.value / first : 0;
        var length = Math.max(step.value > 0 ? 4 : 0, Math.round(width * share));
        // conversion from the nearest earlier step that has people (a step not reported yet, such as
        // deliveries on a stack without SES events, is skipped rather than dividing by zero)
        var base = null;
        for (var back = index - 1; back >= 0 && !base; back -= 1) if (steps[back].value) base = steps[back];
        var note = step.note !== undefined ? step.note
          : index === 0 || !base ? "" : " · " + pct(step.value / base.value) + " of " + base.label.toLowerCase();
        body += text(0, y + 14, step.label + ": " + num(step.value) + note, ' class="label"');
        body += '<rect x="0" y="' + (y + 20) + '" width="' + width + '" height="22" class="track"/>';
        body += '<rect x="' + Math.round((width - length) / 2) + '" y="' + (y + 20) + '" width="' + length +
          '" height="22" rx="3" fill="' + (step.color || COLORS.blue) + '"><title>' +
          esc(step.label + ": " + num(step.value)) + "</title></rect>";
      });
      return svgOpen(width, steps.length * rowHeight, title, desc) + body + "</svg>";
    };
  }

  function niceStep(max, ticks) {
    var raw = max / ticks;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var unit = raw / power;
    var step = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10;
    return Math.max(1, step * power);
  }

  /* Lines over a shared x axis: labels [string], series [{name, color, values: [number]}]. */
  function lineChart(title, labels, series, desc) {
    return function (width) {
      var key = series.length > 1 ? legend(series, width) : { markup: "", height: 0 };
      var top = key.height + 14;
      var left = 44;
      var right = 12;
      var plotHeight = 170;
      var height = top + plotHeight + 34;
      var max = Math.max.apply(null, [0].concat(series.map(function (line) {
        return Math.max.apply(null, line.values.concat([0]));
      })));
      var step = niceStep(Math.max(max, 1), 4);
      var yMax = Math.max(step, Math.ceil(max / step) * step);
      var plotWidth = width - left - right;
      var count = labels.length;
      function x(index) { return left + (count <= 1 ? plotWidth / 2 : index * plotWidth / (count - 1)); }
      function y(value) { return top + plotHeight - (value / yMax) * plotHeight; }
      var body = key.markup;
      for (var tick = 0; tick <= yMax; tick += step) {
        body += '<line x1="' + left + '" x2="' + (width - right) + '" y1="' + y(tick) + '" y2="' + y(tick) +
          '" class="grid"/>' + text(left - 6, y(tick) + 4, num(tick), ' class="axis" text-anchor="end"');
      }
      var every = Math.max(1, Math.ceil(count / Math.max(2, Math.floor(plotWidth / 90))));
      labels.forEach(function (label, index) {
        if (index % every !== 0 && index !== count - 1) return;
        if (index !== count - 1 && count - 1 - index < every / 2 && count > 1) return;
        var anchor = count <= 1 ? "middle" : index === 0 ? "start" : index === count - 1 ? "end" : "middle";
        body += text(x(index), top + plotHeight + 20, label, ' class="axis" text-anchor="' + anchor + '"');
      });
      series.forEach(function (line) {
        var points = line.values.map(function (value, index) { return x(index).toFixed(1) + "," + y(value).toFixed(1); });
        if (points.length > 1) {
          body += '<polyline fill="none" stroke="' + line.color + '" stroke-width="2.5" stroke-linejoin="round" points="' +
            points.join(" ") + '"/>';
        }
        if (count === 1) {
          body += text(x(0) + 8, y(line.values[0]) + 4, line.name + " " + num(line.values[0]), ' class="value"');
        }
        if (line.values.length <= 60) {
          line.values.forEach(function (value, index) {
            body += '<circle cx="' + x(index).toFixed(1) + '" cy="' + y(value).toFixed(1) + '" r="3.5" fill="' +
              line.color + '"><title>' + esc(labels[index] + ", " + line.name + ": " + num(value)) + "</title></circle>";
          });
        }
      });
      return svgOpen(width, height, title, desc) + body + "</svg>";
    };
  }

  function numbersTable(caption, headers, rows) {
    return h("details", { class: "numbers" },
      h("summary", { text: "Show the numbers" }),
      table(caption, headers, rows, { numeric: true, rowHeaders: true }));
  }

  // ------------------------------------------------------------------ overview

  function goalValue(metric, value) {
    if (metric === "pool_hire_share" || metric === "offer_acceptance_rate") return pct(value);
    if (metric === "time_to_fill_days") return days(value);
    if (metric === "cost_per_hire") return money(value);
    return num(value);
  }

  function goalsPanel(goals) {
    if (!goals.length) {
      return section("Goals", {}, empty("No goals yet. Add one with POST /goals (for example 10 hires from talent pools by the end of the quarter)."));
    }
    return section("Goals", {}, h("ul", { class: "goals" }, goals.map(function (goal) {
      var progress = goal.progress || {};
      var share = Math.round((progress.progress || 0) * 100);
      var labelId = newId("goal");
      var direction = goal.direction === "down" ? "at most " : "";
      return h("li", { class: "goal", "data-testid": "goal", "data-status": progress.status },
        h("div", { class: "goal-head" },
          h("h3", { id: labelId, text: goal.name }),
          h("span", { class: "badge badge-" + progress.status, "data-testid": "goal-status",
                      text: STATUS_TEXT[progress.status] || humanize(progress.status) })),
        h("div", { class: "progress", role: "progressbar", "aria-labelledby": labelId, "aria-valuemin": "0",
                   "aria-valuemax": "100", "aria-valuenow": String(share), "aria-valuetext": share + "% of target" },
          h("span", { class: "progress-fill progress-" + progress.status, style: "width:" + share + "%" }),
          progress.elapsed !== undefined ? h("span", { class: "progress-elapsed", title: "time elapsed",
                                                       style: "left:" + Math.round(progress.elapsed * 100) + "%" }) : null),
        h("p", { class: "goal-figures" },
          h("span", { "data-testid": "goal-value", text: goalValue(goal.metric, progress.value) }),
          " of target " + direction + goalValue(goal.metric, goal.target) + " (" + share + "%) · " +
            humanize(goal.metric) + " · ends " + dateOnly(goal.period && goal.period.to) +
            (progress.elapsed !== undefined ? " · " + Math.round(progress.elapsed * 100) + "% of the period gone" : "")));
    })));
  }

  function periodForm(from, to) {
    var form = h("form", { class: "period", "aria-label": "Period" },
      h("div", { class: "field" }, h("label", { for: "period-from", text: "From (UTC)" }),
        h("input", { id: "period-from", name: "from", type: "date", value: from, required: true, max: to })),
      h("div", { class: "field" }, h("label", { for: "period-to", text: "To (UTC)" }),
        h("input", { id: "period-to", name: "to", type: "date", value: to, required: true })),
      h("button", { type: "submit", class: "button", text: "Show" }),
      h("p", { class: "field-error", role: "alert", id: "period-error" }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var start = form.elements.from.value;
      var end = form.elements.to.value;
      if (!start || !end || start > end) {
        $("period-error").textContent = "Choose a start date on or before the end date.";
        return;
      }
      location.hash = "#/overview" + query({ from: start, to: end });
    });
    return form;
  }

  function renderOverview(current) {
    var today = new Date();
    var to = /^\d{4}-\d{2}-\d{2}$/.test(current.params.to || "") ? current.params.to : isoDay(today);
    var from = /^\d{4}-\d{2}-\d{2}$/.test(current.params.from || "") ? current.params.from
      : isoDay(new Date(Date.parse(to + "T00:00:00Z") - 90 * 86400000));
    var path = "/analytics/overview" + query({ from: from + "T00:00:00Z", to: to + "T23:59:59.999Z" });
    return Promise.all([api("/goals"), api(path)]).then(function (results) {
      var goals = results[0].items || [];
      var data = results[1];
      var source = data.source_of_hire || {};
      var ttf = data.time_to_fill_days || {};
      var offers = data.offer_acceptance || {};
      var costs = data.cost_per_hire || {};
      var all = costs.all || {};
      var decided = (offers.accepted || 0) + (offers.declined || 0);

      var hiring = section("Hiring", { wide: true }, stats([
        ["Applications", num(data.applications), "overview-applications", data.applications],
        ["Hires", num(data.hires), "overview-hires", data.hires],
        ["Hires from talent pools", num(data.hires_from_pools), "overview-hires-from-pools", data.hires_from_pools],
        ["Pool share of hires", pct(source.pool_share), "overview-pool-share", source.pool_share],
        ["Median time to fill", days(ttf.all), "overview-time-to-fill", ttf.all, plural(ttf.jobs_filled, "job") + " filled"],
        ["Offer acceptance, pool", pct(offers.pool), "overview-offer-acceptance-pool", offers.pool],
        ["Offer acceptance, other", pct(offers.other), "overview-offer-acceptance-other", offers.other],
        ["Cost per hire", money(all.cost_per_hire), "overview-cost-per-hire", all.cost_per_hire,
         money(all.cost) + " spent"],
        ["Pool people ever hired", num(data.pool_candidates_hired_ever), "overview-pool-hired-ever",
         data.pool_candidates_hired_ever]
      ]));

      var funnelSteps = [
        { label: "Applications", value: data.applications || 0, color: COLORS.blue },
        { label: "Offers decided", value: decided, color: COLORS.teal },
        { label: "Offers accepted", value: offers.accepted || 0, color: COLORS.purple },
        { label: "Hires", value: data.hires || 0, color: COLORS.green }
      ];
      var funnel = section("Hiring funnel", {},
        chart("chart-hiring-funnel", "Applications to hires in the period: " + funnelSteps.map(function (step) {
          return step.label.toLowerCase() + " " + num(step.value);
        }).join(", ") + ".", funnelChart("Hiring funnel: applications to hires", funnelSteps)));

      var bySource = source.by_source || {};
      var sourceGroups = [
        { label: "Talent pools", bars: [{ name: "Hires", value: source.talent_pools || 0, text: num(source.talent_pools || 0), color: COLORS.teal }] },
        { label: "Other", bars: [{ name: "Hires", value: source.other || 0, text: num(source.other || 0), color: COLORS.slate }] }
      ];
      var sourcePanel = section("Source of hire", {},
        chart("chart-source-of-hire", "Hires from talent pools and from elsewhere.",
              barChart("Source of hire", sourceGroups)),
        Object.keys(bySource).length ? table("Hires by source", ["Source", "Hires"], Object.keys(bySource).map(function (name) {
          return [humanize(name), num(bySource[name])];
        }), { numeric: true, rowHeaders: true, showCaption: true, testid: "hires-by-source" }) : empty("No hires in this period."));

      var ttfGroups = [["Pool hires", ttf.pool_hires, COLORS.teal], ["Other hires", ttf.other, COLORS.slate],
                       ["All", ttf.all, COLORS.blue]].map(function (row) {
        return { label: row[0], bars: [{ name: "Median days", value: row[1] || 0, text: days(row[1]), color: row[2] }] };
      });
      var ttfPanel = section("Time to fill", {},
        chart("chart-time-to-fill", "Median days from job opened to filled (" + plural(ttf.jobs_filled, "job") + " filled).",
              barChart("Median time to fill in days", ttfGroups)));

      var offerGroups = [["Talent pool candidates", offers.pool, COLORS.teal], ["Other candidates", offers.other, COLORS.slate]]
        .map(function (row) {
          return { label: row[0], bars: [{ name: "Acceptance", value: row[1] || 0, text: pct(row[1]), color: row[2] }] };
        });
      var offerPanel = section("Offer acceptance", {},
        chart("chart-offer-acceptance", "Accepted offers among decided offers: " + num(offers.accepted) + " accepted, " +
              num(offers.declined) + " declined.", barChart("Offer acceptance rate", offerGroups, { max: 1 })));

      var costNames = Object.keys(costs).filter(function (name) { return name !== "all"; });
      var costPanel = section("Cost per hire", {},
        costNames.length ? table("Cost per hire by source", ["Source", "Cost", "Hires", "Cost per hire"],
          costNames.concat(["all"]).map(function (name) {
            var row = costs[name] || {};
            return [name === "all" ? "All sources" : humanize(name), money(row.cost), num(row.hires), money(row.cost_per_hire)];
          }), { numeric: true, rowHeaders: true, testid: "cost-per-hire" })
          : empty("No costs or hires in this period. Add costs with POST /costs."));

      var categories = data.campaigns_by_category || {};
      var categoryNames = Object.keys(categories);
      var rateSeries = [{ name: "Open rate", color: COLORS.blue, key: "open" },
                        { name: "Click rate", color: COLORS.amber, key: "click" },
                        { name: "Application rate", color: COLORS.green, key: "application" }];
      var categoryPanel = section("Campaigns by category", { wide: true },
        categoryNames.length ? [
          chart("chart-categories", "Open, click and application rates of campaigns started in the period, by category.",
                barChart("Campaign rates by category", categoryNames.map(function (name) {
                  var rates = categories[name].rates || {};
                  return { label: humanize(name), bars: rateSeries.map(function (series) {
                    return { name: series.name, value: rates[series.key] || 0, text: pct(rates[series.key]), color: series.color };
                  }) };
                }), { max: 1, legend: rateSeries })),
          table("Campaigns by category", ["Category", "Campaigns", "Sent", "Opened", "Clicked", "Applied", "Hired",
                                          "Open rate", "Click rate", "Application rate"],
            categoryNames.map(function (name) {
              var row = categories[name];
              var rates = row.rates || {};
              return [humanize(name), num(row.campaigns), num(row.sent), num(row.opened), num(row.clicked),
                      num(row.applied), num(row.hired), pct(rates.open), pct(rates.click), pct(rates.application)];
            }), { numeric: true, rowHeaders: true, testid: "categories" })
        ] : empty("No campaign started in this period."));

      return page("Overview", "From " + dateOnly(data.from) + " to " + dateOnly(data.to) + " (UTC)",
        periodForm(from, to),
        h("div", { class: "grid" }, hiring, goalsPanel(goals), funnel, sourcePanel, ttfPanel, offerPanel, costPanel,
          categoryPanel));
    });
  }

  // ------------------------------------------------------------------ campaigns

  function moreButton(label, load) {
    var button = h("button", { type: "button", class: "button button-quiet", text: label });
    button.addEventListener("click", function () {
      button.disabled = true;
      load().then(function (done) {
        button.disabled = false;
        if (done) button.remove();
      }, function (error) {
        button.disabled = false;
        if (error.status !== 401) button.after(h("p", { class: "notice notice-error", role: "alert", text: error.message }));
      });
    });
    return button;
  }

  function pagedList(path, params, caption, headers, toRow, emptyText, testid) {
    function url(cursor) { return path + query(Object.assign({}, params, { limit: 50, cursor: cursor })); }
    return api(url(null)).then(function (first) {
      if (!first.items.length) return empty(emptyText);
      var wrap = table(caption, headers, first.items.map(toRow), { rowHeaders: true, testid: testid });
      var body = wrap.querySelector("tbody");
      var cursor = first.next_cursor;
      var holder = h("div", {}, wrap);
      if (cursor) {
        holder.appendChild(moreButton("Show more", function () {
          return api(url(cursor)).then(function (next) {
            next.items.map(toRow).forEach(function (row) {
              body.appendChild(tableRow(row, headers, { rowHeaders: true }));
            });
            cursor = next.next_cursor;
            return !cursor;
          });
        }));
      }
      return holder;
    });
  }

  function renderCampaigns() {
    return pagedList("/campaigns", {}, "Campaigns", ["Name", "Category", "Status", "Progress", "Started"], function (item) {
      var progress = item.progress || {};
      return [h("a", { href: "#/campaigns/" + encodeURIComponent(item.id), text: item.name }),
              humanize(item.category) + (item.channel === "sms" ? " (SMS)" : ""), badge(item.status),
              num(progress.processed) + " of " + num(progress.enqueued) + " processed",
              item.started_at ? timeEl(item.started_at) : "not started"];
    }, "No campaigns yet.", "campaign-list").then(function (list) {
      return page("Campaigns", "Choose a campaign to see its funnel, rates and hourly activity.", section("All campaigns", { wide: true }, list));
    });
  }

  function renderCampaign(current) {
    var id = current.id;
    return Promise.all([api("/analytics/campaigns/" + encodeURIComponent(id)),
                        api("/campaigns/" + encodeURIComponent(id))]).then(function (results) {
      var data = results[0];
      var campaign = results[1];
      var rates = data.rates || {};
      var machine = data.machine || {};
      var progress = campaign.progress || {};

      var figures = section("Figures", { wide: true }, stats([
        ["Audience", num(data.audience), "campaign-audience", data.audience],
        ["Sent", num(data.sent), "campaign-sent", data.sent],
        ["Delivered", num(data.delivered), "campaign-delivered", data.delivered],
        ["Opened (people)", num(data.opened), "campaign-opened", data.opened],
        ["Clicked (people)", num(data.clicked), "campaign-clicked", data.clicked],
        ["Applied", num(data.applied), "campaign-applied", data.applied],
        ["Hired", num(data.hired), "campaign-hired", data.hired],
        ["Open rate", pct(rates.open), "campaign-open-rate", rates.open],
        ["Click rate", pct(rates.click), "campaign-click-rate", rates.click],
        ["Click to open", pct(rates.click_to_open), "campaign-click-to-open-rate", rates.click_to_open],
        ["Application rate", pct(rates.application), "campaign-application-rate", rates.application],
        ["Bounce rate", pct(rates.bounce), "campaign-bounce-rate", rates.bounce, num(data.bounced) + " bounced"],
        ["Unsubscribe rate", pct(rates.unsubscribe), "campaign-unsubscribe-rate", rates.unsubscribe,
         num(data.unsubscribed) + " unsubscribed"],
        ["Skipped", num(data.skipped), "campaign-skipped", data.skipped, "frequency cap, opt-outs…"]
      ]));

      var steps = [["Sent", data.sent, COLORS.blue], ["Delivered", data.delivered, COLORS.teal],
                   ["Opened", data.opened, COLORS.purple], ["Clicked", data.clicked, COLORS.amber],
                   ["Applied", data.applied, COLORS.green], ["Hired", data.hired, COLORS.rose]]
        .map(function (row) { return { label: row[0], value: row[1] || 0, color: row[2] }; });
      if (!data.delivered && data.sent) steps[1].note = " · no delivery reports yet (rates count sent)";
      var funnelPanel = section("Funnel", {},
        chart("chart-campaign-funnel", "Sent, delivered, opened, clicked, applied, hired (people, not repeat events).",
              funnelChart("Campaign funnel: sent to hired", steps)));

      var after = data.after_open_only || {};
      var engagement = section("People and machines", {},
        chart("chart-campaign-machines", "Opens and clicks by people, and those made by mail privacy proxies and link scanners (counted apart).",
              barChart("Human and machine opens and clicks", [
                { label: "Opens", bars: [{ name: "People", value: data.opens || 0, text: num(data.opens), color: COLORS.blue },
                                         { name: "Machines", value: machine.opens || 0, text: num(machine.opens), color: COLORS.slate }] },
                { label: "Clicks", bars: [{ name: "People", value: data.clicks || 0, text: num(data.clicks), color: COLORS.amber },
                                          { name: "Machines", value: machine.clicks || 0, text: num(machine.clicks), color: COLORS.slate }] }
              ], { legend: [{ name: "People", color: COLORS.blue }, { name: "Machines", color: COLORS.slate }] })),
        stats([
          ["Human opens", num(data.opens), "campaign-human-opens", data.opens],
          ["Machine opens", num(machine.opens), "campaign-machine-opens", machine.opens],
          ["Human clicks", num(data.clicks), "campaign-human-clicks", data.clicks],
          ["Machine clicks", num(machine.clicks), "campaign-machine-clicks", machine.clicks],
          ["Applied after an open only", num(after.applied), "campaign-applied-after-open", after.applied],
          ["Hired after an open only", num(after.hired), "campaign-hired-after-open", after.hired]
        ]));

      var stepRows = (data.steps || []).map(function (step) {
        var r = step.rates || {};
        return ["Step " + (step.step + 1), num(step.sent), num(step.delivered), num(step.opened), num(step.clicked),
                num(step.applied), num(step.hired), pct(r.open), pct(r.click)];
      });
      var stepPanel = section("Steps", { wide: true },
        table("Figures per step", ["Step", "Sent", "Delivered", "Opened", "Clicked", "Applied", "Hired", "Open rate",
                                   "Click rate"], stepRows, { numeric: true, rowHeaders: true, testid: "campaign-steps" }));

      var series = data.series || [];
      var seriesPanel;
      if (!series.length) {
        seriesPanel = section("Hourly activity", { wide: true }, empty("Nothing sent yet: the hourly series starts when the campaign does."));
      } else {
        var labels = series.map(function (point, index) {
          var date = new Date(point.hour);
          var hour = date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
          var previous = index ? new Date(series[index - 1].hour) : null;
          return !previous || previous.toDateString() !== date.toDateString()
            ? date.toLocaleDateString("en-GB", { day: "numeric", month: "short" }) + " " + hour : hour;
        });
        var lines = [{ name: "Sent", color: COLORS.blue, key: "sent" }, { name: "Opens", color: COLORS.purple, key: "opens" },
                     { name: "Clicks", color: COLORS.amber, key: "clicks" }].map(function (line) {
          return { name: line.name, color: line.color, values: series.map(function (point) { return point[line.key] || 0; }) };
        });
        var totals = lines.map(function (line) {
          return line.name + " " + num(line.values.reduce(function (a, b) { return a + b; }, 0));
        }).join(", ");
        seriesPanel = section("Hourly activity", { wide: true },
          chart("chart-campaign-series", "Sends, human opens and clicks per hour, " +
                (series.length === 1 ? "in the first hour" : "over the first " + series.length + " hours") +
                " (" + totals + ").",
                lineChart("Hourly sends, opens and clicks", labels, lines, "Per hour from " + when(series[0].hour) + ": " + totals),
                numbersTable("Sends, opens and clicks per hour", ["Hour", "Sent", "Opens", "Clicks"], series.map(function (point) {
                  return [when(point.hour), num(point.sent), num(point.opens), num(point.clicks)];
                }))));
      }

      var subtitle = h("span", {}, humanize(data.category), " · ", badge(data.status), " · ",
        num(progress.processed) + " of " + num(progress.enqueued) + " recipients processed",
        campaign.started_at ? [" · started ", timeEl(campaign.started_at)] : null);
      return page(data.name, subtitle,
        h("p", { class: "back" }, h("a", { href: "#/campaigns", text: "All campaigns" })),
        h("div", { class: "grid" }, figures, funnelPanel, engagement, stepPanel, seriesPanel));
    });
  }

  // ------------------------------------------------------------------ pools

  function renderPools() {
    return pagedList("/pools", {}, "Talent pools", ["Name", "Kind", "Status", "Size"], function (item) {
      return [h("a", { href: "#/pools/" + encodeURIComponent(item.id), text: item.name }),
              humanize(item.kind) + (item.builtin ? " (built in)" : ""), badge(item.status), num(item.size)];
    }, "No pools yet.", "pool-list").then(function (list) {
      return page("Pools", "Choose a pool to see its size over time and how engaged its people are.", section("All pools", { wide: true }, list));
    });
  }

  function renderPool(current) {
    var id = current.id;
    return Promise.all([api("/analytics/pools/" + encodeURIComponent(id)),
                        api("/pools/" + encodeURIComponent(id))]).then(function (results) {
      var data = results[0];
      var pool = results[1];
      var credited = data.credited_to_campaigns || {};

      var figures = section("Figures", { wide: true }, stats([
        ["Size", num(data.size), "pool-size", data.size, "people in the pool now"],
        ["Engaged in 90 days", num(data.engaged_90d), "pool-engaged", data.engaged_90d, pct(data.engaged_90d_share)],
        ["Radio silence", num(data.radio_silence), "pool-radio-silence", data.radio_silence,
         pct(data.radio_silence_share) + ", not contacted in 90 days"],
        ["Stale profiles", num(data.stale_profiles), "pool-stale", data.stale_profiles,
         pct(data.stale_share) + ", not updated in a year"],
        ["Applications", num(data.applications), "pool-applications", data.applications],
        ["Hires", num(data.hires), "pool-hires", data.hires],
        ["Applications credited to campaigns", num(credited.applied), "pool-credited-applied", credited.applied],
        ["Hires credited to campaigns", num(credited.hired), "pool-credited-hired", credited.hired]
      ]));

      var shares = section("Health", {},
        chart("chart-pool-shares", "Shares of the pool's " + num(data.size) + " people.",
              barChart("Pool health shares", [
                { label: "Engaged in the last 90 days", bars: [{ name: "Share", value: data.engaged_90d_share || 0,
                  text: pct(data.engaged_90d_share), color: COLORS.green }] },
                { label: "Radio silence (not contacted in 90 days)", bars: [{ name: "Share", value: data.radio_silence_share || 0,
                  text: pct(data.radio_silence_share), color: COLORS.amber }] },
                { label: "Stale (profile not updated in 12 months)", bars: [{ name: "Share", value: data.stale_share || 0,
                  text: pct(data.stale_share), color: COLORS.rose }] }
              ], { max: 1 })),
        stats([["Engaged share", pct(data.engaged_90d_share), "pool-engaged-share", data.engaged_90d_share],
               ["Radio silence share", pct(data.radio_silence_share), "pool-radio-silence-share", data.radio_silence_share],
               ["Stale share", pct(data.stale_share), "pool-stale-share", data.stale_share]]));

      var history = data.size_history || [];
      var historyPanel = section("Size over time", {},
        history.length ? chart("chart-pool-history", "Pool size, recorded once a day (" + history.length + " day" +
                               (history.length === 1 ? "" : "s") + ").",
          lineChart("Pool size history", history.map(function (point) { return dateOnly(point.date); }),
                    [{ name: "Size", color: COLORS.teal, values: history.map(function (point) { return point.size; }) }],
                    history.map(function (point) { return point.date + ": " + point.size; }).join(", ")),
          numbersTable("Pool size per day", ["Day", "Size"], history.map(function (point) {
            return [dateOnly(point.date), num(point.size)];
          })))
          : empty("No history yet: the size is recorded once a day."));

      var subtitle = h("span", {}, humanize(pool.kind) + " pool", " · ", badge(pool.status),
        pool.description ? " · " + pool.description : null,
        pool.rebuilt_at ? [" · rebuilt ", timeEl(pool.rebuilt_at)] : null);
      return page(data.name, subtitle,
        h("p", { class: "back" }, h("a", { href: "#/pools", text: "All pools" }),
          " · ", h("a", { href: "#/candidates?pool=" + encodeURIComponent(id), text: "People in this pool" })),
        h("div", { class: "grid" }, figures, shares, historyPanel));
    });
  }

  // ------------------------------------------------------------------ candidates

  function fullName(person) {
    var name = [person.first_name, person.last_name].filter(Boolean).join(" ");
    return name || person.email || person.id;
  }

  function renderCandidates(current) {
    var q = (current.params.q || "").trim();
    var pool = current.params.pool || "";
    var input = h("input", { id: "candidate-q", name: "q", type: "search", value: q, minlength: "2",
                             autocomplete: "off", "aria-describedby": "candidate-q-error" });
    var error = h("p", { class: "field-error", role: "alert", id: "candidate-q-error" });
    var form = h("form", { class: "search", role: "search" },
      h("div", { class: "field" },
        h("label", { for: "candidate-q", text: "Name or email (at least 2 characters)" }), input),
      h("button", { type: "submit", class: "button", text: "Search" }), error);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value.trim();
      if (value.length < 2) {
        error.textContent = "Type at least 2 characters.";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      location.hash = "#/candidates" + query({ q: value, pool: pool || null });
    });

    var results;
    if (!q && !pool) {
      results = Promise.resolve(empty("Search for a person to see their profile and timeline."));
    } else {
      results = pagedList("/candidates", { q: q || null, pool: pool || null }, "People found", ["Name", "Email", "Status", "Stage", "Place"], function (person) {
          return [h("a", { href: "#/candidates/" + encodeURIComponent(person.id), text: fullName(person) }),
                  h("span", { class: "break", text: person.email || "" }), badge(person.status),
                  person.stage ? humanize(person.stage) : "",
                  [person.city, person.country].filter(Boolean).join(", ")];
        }, "Nobody found.", "candidate-results");
    }
    return results.then(function (list) {
      var title = pool ? "People in the pool" : "Candidates";
      return page(title, pool ? "Members of pool " + pool + (q ? ", filtered by “" + q + "”" : "") : "Find a person, then read their timeline.",
        form, section("Results", { wide: true }, list));
    });
  }

  function listText(value) {
    return Array.isArray(value) ? value.join(", ") : value;
  }

  function job(data) { return data.job_id ? " (job " + data.job_id + ")" : ""; }

  function describe(entry) {
    var data = entry.data || {};
    switch (entry.kind) {
      case "consent":
        return "Consent " + (data.status || "recorded") + (data.channel ? " (" + data.channel + ")" : "") +
          (data.consent_version ? ", wording " + data.consent_version : "") +
          (data.confirmed_at ? ", confirmed " + when(data.confirmed_at) : "");
      case "created":
        return "Profile created" + (data.source ? " (source: " + humanize(data.source) + ")" : "") +
          (data.by ? " by " + data.by : "");
      case "updated":
        return "Profile updated" + (data.fields && data.fields.length ? ": " + listText(data.fields) : "") +
          (data.by ? " (by " + data.by + ")" : "");
      case "touchpoint":
        return humanize(data.channel || "touchpoint") + (data.summary ? ": " + data.summary : "");
      case "email_sent":
        return "Email sent" + (data.subject ? ": “" + data.subject + "”" : "") + (data.kind ? " (" + humanize(data.kind) + ")" : "");
      case "unsubscribed":
        return "Unsubscribed from all marketing" + (data.source ? " (" + humanize(data.source) + ")" : "");
      case "preferences":
        return "Email preferences changed" + (data.unsubscribed_categories && data.unsubscribed_categories.length
          ? ": no more " + data.unsubscribed_categories.map(humanize).join(", ") : "");
      case "bounced":
      case "complained":
        return humanize(entry.kind) + (data.reason ? ": " + data.reason : "");
      case "soft_bounce":
        return "Temporary bounce" + (data.detail ? ": " + data.detail : "");
      case "application_created":
        return "Applied" + job(data);
      case "offer_created":
        return "Offer made" + job(data);
      case "offer_accepted":
        return "Offer accepted" + job(data);
      case "offer_declined":
        return "Offer declined" + job(data);
      case "candidate_hired":
        return "Hired" + job(data);
      case "candidate_stage_changed":
        return "Stage changed" + (data.stage ? " to " + humanize(data.stage) : "") + job(data);
      default:
        if (data.stage || data.job_id) {
          return humanize(entry.kind) + (data.stage ? ": stage " + humanize(data.stage) : "") +
            (data.job_id ? " (job " + data.job_id + ")" : "");
        }
        return humanize(entry.kind);
    }
  }

  function details(data) {
    var names = Object.keys(data || {}).filter(function (name) {
      return data[name] !== null && data[name] !== undefined && data[name] !== "";
    });
    if (!names.length) return null;
    return h("details", { class: "entry-details" }, h("summary", { text: "Details" }),
      h("dl", {}, names.map(function (name) {
        var value = data[name];
        var shown = typeof value === "object" ? JSON.stringify(value) : String(value);
        return [h("dt", { text: humanize(name) }), h("dd", { class: "break", text: shown })];
      })));
  }

  function timelineItems(items) {
    return items.map(function (entry) {
      return h("li", { class: "entry entry-" + String(entry.kind).replace(/[^a-z_]/g, ""), "data-testid": "timeline-entry",
                       "data-kind": entry.kind },
        h("p", { class: "entry-when" }, timeEl(entry.at), " · ", h("span", { class: "entry-kind", text: humanize(entry.kind) })),
        h("p", { class: "entry-what", text: describe(entry) }),
        details(entry.data));
    });
  }

  function renderCandidate(current) {
    var id = current.id;
    var path = "/candidates/" + encodeURIComponent(id) + "/timeline";
    return Promise.all([api("/candidates/" + encodeURIComponent(id)), api(path + query({ limit: 50 }))]).then(function (results) {
      var person = results[0];
      var timeline = results[1];
      var consent = person.consent || {};
      var profile = section("Profile", {}, h("dl", { class: "profile" }, [
        ["Email", person.email, "candidate-email"], ["Status", humanize(person.status), "candidate-status"],
        ["Stage", person.stage && humanize(person.stage)],
        ["Place", [person.city, person.country].filter(Boolean).join(", ") + (person.remote_ok ? " (remote ok)" : "")],
        ["Phone", person.phone], ["Seniority", person.seniority && humanize(person.seniority)],
        ["Skills", listText(person.skills)], ["Roles", listText(person.roles)], ["Tags", listText(person.tags)],
        ["Source", person.source && humanize(person.source)],
        ["Engagement score", person.engagement_score === null || person.engagement_score === undefined ? null
          : num(Math.round(person.engagement_score * 10) / 10), "candidate-engagement"],
        ["Marketing consent", consent.marketing ? "yes, confirmed " + when(consent.confirmed_at || person.confirmed_at) : "no"],
        ["Last contacted", person.last_contacted_at && when(person.last_contacted_at)],
        ["Last engaged", person.last_engaged_at && when(person.last_engaged_at)],
        ["Created", when(person.created_at)], ["Updated", when(person.updated_at)],
        ["LinkedIn", person.linkedin_url], ["Portfolio", person.portfolio_url]
      ].filter(function (row) { return row[1] !== null && row[1] !== undefined && row[1] !== "" && row[1] !== " (remote ok)"; })
        .map(function (row) {
          return h("div", {}, h("dt", { text: row[0] }), h("dd", { class: "break", "data-testid": row[2] || null, text: row[1] }));
        })));

      var list = h("ol", { class: "timeline", "data-testid": "timeline" }, timelineItems(timeline.items || []));
      var cursor = timeline.next_cursor;
      var timelinePanel = section("Timeline", {},
        (timeline.items || []).length ? list : empty("Nothing on the timeline yet."),
        cursor ? moreButton("Show older entries", function () {
          return api(path + query({ limit: 50, cursor: cursor })).then(function (next) {
            append(list, timelineItems(next.items || []));
            cursor = next.next_cursor;
            return !cursor;
          });
        }) : null);
      return page(fullName(person), h("span", {}, badge(person.status), person.stage ? " · " + humanize(person.stage) : null),
        h("p", { class: "back" }, h("a", { href: "#/candidates", text: "Search candidates" })),
        h("div", { class: "grid" }, profile, timelinePanel));
    });
  }

  // ------------------------------------------------------------------ start

  function start() {
    $("signin-form").addEventListener("submit", onSignin);
    $("new-password-form").addEventListener("submit", onNewPassword);
    $("sign-out").addEventListener("click", function () { signOut("You have signed out."); });
    window.addEventListener("hashchange", route);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { drawCharts(false); }, 120);
    });
    var key = null;
    try { key = sessionStorage.getItem(STORAGE_KEY); } catch (ignored) { key = null; }
    if (!key) {
      showSignin("");
      return;
    }
    state.key = key;
    showApp();
    if (!VIEWS[parseRoute().view]) location.replace("#/overview");  // hashchange routes
    else route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
