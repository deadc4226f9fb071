// Okno ticket status page: follows the ticket without reloading.
// Listens to GET /t/{token}/events (server-sent events); when the stream cannot be had (refused
// with 429/503, dropped again and again, or no EventSource), polls the page itself instead and
// tries the stream again later. Each update replaces the card; a change of state is spoken by
// the live region (#announce) and, when the ticket is called, the phone vibrates.
(function () {
  "use strict";
  var root = document.getElementById("ticket");
  if (!root || !root.dataset.events) {
    return;
  }
  var card = document.getElementById("card");
  var announce = document.getElementById("announce");
  var pollSeconds = Math.max(5, parseInt(root.dataset.pollSeconds || "15", 10));
  var status = root.dataset.status;
  var source = null;
  var failures = 0;
  var pollTimer = null;
  var polls = 0;
  var finished = false;

  function show(update) {
    if (card.innerHTML !== update.html) {
      card.innerHTML = update.html;
    }
    if (update.title) {
      document.title = update.title;
    }
    if (update.status !== status) {
      status = update.status;
      root.dataset.status = status;
      announce.textContent = update.announce || "";
      if (status === "called" && navigator.vibrate) {
        try {
          navigator.vibrate([400, 200, 400]);
        } catch (e) {
          /* a phone that refuses is fine */
        }
      }
    }
    if (update.final) {
      var how = document.getElementById("how");
      if (how && how.dataset.final) {
        how.textContent = how.dataset.final;
      }
      finished = true;
      stopStream();
      stopPolling();
    }
  }

  function stopStream() {
    if (source) {
      source.close();
      source = null;
    }
  }

  function stopPolling() {
    if (pollTimer) {
      clearTimeout(pollTimer);
      pollTimer = null;
    }
  }

  function listen() {
    if (finished) {
      return;
    }
    if (!window.EventSource) {
      poll();
      return;
    }
    source = new EventSource(root.dataset.events);
    source.addEventListener("status", function (event) {
      failures = 0;
      show(JSON.parse(event.data));
    });
    source.onerror = function () {
      failures += 1;
      // CLOSED: refused (429, 503, 404); the browser will not retry by itself.
      if (source && (source.readyState === EventSource.CLOSED || failures >= 3)) {
        stopStream();
        polls = 0;
        schedulePoll();
      }
    };
  }

  function schedulePoll() {
    stopPolling();
    pollTimer = setTimeout(poll, pollSeconds * 1000);
  }

  function poll() {
    pollTimer = null;
    if (finished) {
      return;
    }
    polls += 1;
    fetch(root.dataset.poll, { headers: { Accept: "text/html" }, cache: "no-store" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        if (text) {
          var page = new DOMParser().parseFromString(text, "text/html");
          var fresh = page.getElementById("card");
          var freshRoot = page.getElementById("ticket");
          if (fresh && freshRoot) {
            var freshStatus = freshRoot.dataset.status;
            var said = page.getElementById("announce");
            show({
              status: freshStatus,
              html: fresh.innerHTML,
              title: page.title,
              announce: (said && said.dataset.say) || fresh.textContent.trim(),
              final: !freshRoot.dataset.events,
            });
          }
        }
      })
      .catch(function () {
        /* offline for a moment: the next poll tries again */
      })
      .then(function () {
        if (finished) {
          return;
        }
        if (polls >= 4 && window.EventSource) {
          failures = 0;
          listen(); // the stream may be back
        } else {
          schedulePoll();
        }
      });
  }

  listen();
})();
