// Sign-in mode (dashboard/web/principal.py): when a callback is answered 401, the session has
// ended (30 minutes idle, 12 hours, signed out elsewhere, disabled): go to the sign-in page,
// and back to this page's address afterwards (service.md § 2).
(function () {
  "use strict";
  var original = window.fetch;
  if (!original) {
    return;
  }
  window.fetch = function (input, init) {
    return original.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (response.status === 401 && url.indexOf("/_dash-update-component") !== -1) {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/sign-in?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
