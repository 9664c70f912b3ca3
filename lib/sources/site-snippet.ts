// «Код для сайта» (docs/site-form.md): a copy-paste script for any HTML form. It keeps the UTM tags
// (and yclid/gclid/fbclid) of the landing URL in first-party cookies for 30 days, remembers the
// landing page and the referrer of the first visit, and on every form submit sends the form's fields
// plus those to the source's webhook with navigator.sendBeacon (a simple urlencoded POST: no CORS
// preflight, survives the page unloading). The form is never stopped: it submits as it did before.
// No jQuery, ES5 syntax so old browsers run it too.

export const SNIPPET_TRACKED_PARAMS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "yclid", "gclid", "fbclid"] as const;

/** The snippet for a webhook URL (the URL is embedded as a JSON string literal). */
export function siteSnippet(hookUrl: string): string {
  return `<script>
/* Hookflow: отправка форм сайта в обработку */
(function () {
  var HOOK = ${JSON.stringify(hookUrl).replace(/</g, "\\u003c")};
  var KEYS = ${JSON.stringify(SNIPPET_TRACKED_PARAMS)};
  var AGE = 30 * 24 * 3600;
  function get(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function put(name, value) {
    document.cookie = name + "=" + encodeURIComponent(value) + "; path=/; max-age=" + AGE + "; SameSite=Lax";
  }
  var query = new URLSearchParams(location.search);
  var tagged = false;
  KEYS.forEach(function (k) { if (query.get(k)) tagged = true; });
  if (tagged) KEYS.forEach(function (k) { put("hf_" + k, query.get(k) || ""); });
  if (tagged || !get("hf_landing")) {
    put("hf_landing", location.href);
    put("hf_referrer", document.referrer || "");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM" || form.hasAttribute("data-hookflow-skip")) return;
    var body = new URLSearchParams();
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      var type = (el.type || "").toLowerCase();
      if (!el.name || el.disabled || /^(password|file|submit|button|reset|image)$/.test(type)) continue;
      if ((type === "checkbox" || type === "radio") && !el.checked) continue;
      if (el.tagName === "SELECT" && el.multiple) {
        for (var j = 0; j < el.options.length; j++) if (el.options[j].selected) body.append(el.name, el.options[j].value);
      } else body.append(el.name, el.value);
    }
    KEYS.forEach(function (k) { var v = get("hf_" + k); if (v && !body.has(k)) body.append(k, v); });
    body.append("page_url", location.href);
    body.append("landing_url", get("hf_landing") || location.href);
    body.append("referrer", get("hf_referrer") || document.referrer || "");
    body.append("form_name", form.getAttribute("name") || form.id || "");
    var sent = false;
    try { sent = navigator.sendBeacon(HOOK, body); } catch (e) { sent = false; }
    if (!sent && window.fetch) fetch(HOOK, { method: "POST", body: body, keepalive: true, mode: "no-cors" });
  }, true);
})();
</script>`;
}
