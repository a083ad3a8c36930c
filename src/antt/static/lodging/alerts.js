/* Watchlist alerts on staff pages: polls the alert-poll URL every 5 s while the page is visible and
   shows a banner (role="alert") with a link to the alert list when the number of new alerts grows.

   Loaded from the staff layout as a static file (no inline script; the CSP allows 'self'):
     <script src="/static/lodging/alerts.js" defer
             data-poll="/luu-tru/canh-bao/moi.json" data-list="/luu-tru/canh-bao/"></script>
   The answer is {"new": n, "latest": [{id, created_at, establishment}]}: no personal data. A 401,
   403 or 404 (an officer without the watchlist capability, a signed-out session) stops the polling. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var pollUrl = script.getAttribute("data-poll");
  var listUrl = script.getAttribute("data-list") || "";
  if (!pollUrl) return;
  var INTERVAL = 5000;
  var known = null; // the count at the previous answer; null until the first one
  var timer = null;
  var stopped = false;
  var banner = null;
  var inflight = false;

  function ensureBanner() {
    if (banner) return banner;
    banner = document.createElement("div");
    banner.className = "demo-banner alert-banner"; // the layout's banner look (antt.css)
    banner.setAttribute("role", "alert");
    banner.hidden = true;
    var wrap = document.createElement("div");
    wrap.className = "wrap alert-banner__inner";
    var text = document.createElement("span");
    text.className = "alert-banner__text";
    var link = document.createElement("a");
    link.className = "alert-banner__link";
    link.href = listUrl;
    link.textContent = "Xem cảnh báo";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link-button alert-banner__close";
    close.textContent = "Ẩn";
    close.setAttribute("aria-label", "Ẩn thông báo cảnh báo");
    close.addEventListener("click", function () {
      banner.hidden = true;
    });
    wrap.appendChild(text);
    wrap.appendChild(document.createTextNode(" "));
    wrap.appendChild(link);
    wrap.appendChild(document.createTextNode(" "));
    wrap.appendChild(close);
    banner.appendChild(wrap);
    var header = document.querySelector(".site-header");
    if (header && header.parentNode) header.parentNode.insertBefore(banner, header.nextSibling);
    else document.body.insertBefore(banner, document.body.firstChild);
    return banner;
  }

  function show(count, latest) {
    var el = ensureBanner();
    var text = "Có " + count + " cảnh báo lưu trú mới chưa tiếp nhận";
    if (latest && latest.length && latest[0].establishment) {
      text += " (mới nhất: #" + latest[0].id + ", " + latest[0].establishment + ")";
    }
    el.querySelector(".alert-banner__text").textContent = text + ".";
    el.hidden = false;
  }

  function navLink() {
    // The main navigation's link whose address is the longest beginning of the list's ("Lưu trú").
    var links = document.querySelectorAll(".site-nav a");
    var best = null;
    var bestLength = 1;
    for (var i = 0; i < links.length; i++) {
      var href = links[i].getAttribute("href") || "";
      if (href.length > bestLength && listUrl.indexOf(href) === 0) {
        best = links[i];
        bestLength = href.length;
      }
    }
    return best;
  }

  function badge(count) {
    var link = listUrl ? navLink() : null;
    if (!link) return;
    var b = link.querySelector(".alert-badge");
    if (!count) {
      if (b) b.parentNode.removeChild(b);
      return;
    }
    if (!b) {
      b = document.createElement("span");
      b.className = "badge badge--late alert-badge";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(b);
    }
    b.textContent = count + " cảnh báo mới";
  }

  function stop() {
    stopped = true;
    if (timer) window.clearTimeout(timer);
    timer = null;
  }

  function schedule() {
    if (stopped || document.visibilityState === "hidden") return;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(poll, INTERVAL);
  }

  function poll() {
    timer = null;
    if (inflight || stopped || document.visibilityState === "hidden") return;
    inflight = true;
    fetch(pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          stop();
          return null;
        }
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) {
          if (response.redirected) stop(); // signed out: the login page answered
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (!data || typeof data["new"] !== "number") return;
        var count = data["new"];
        badge(count);
        if (known !== null && count > known) show(count, data.latest);
        if (count === 0 && banner) banner.hidden = true;
        known = count;
      })
      .catch(function () {
        /* offline for a moment: try again at the next tick */
      })
      .then(function () {
        inflight = false;
        schedule();
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      if (!timer && !inflight) poll();
    } else if (timer) {
      window.clearTimeout(timer);
      timer = null;
    }
  });
  poll();
})();
