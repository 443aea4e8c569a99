/* HMSDESK Graph explorer: GraphiQL with a token and a purpose kept in memory only. */
(function () {
  "use strict";
  var operations = JSON.parse(document.getElementById("hmsdesk-operations").textContent);
  var credentials = { token: "", purpose: "" };

  // Nothing is persisted: queries, variables and headers may hold personal data or tokens.
  var memory = {};
  var storage = {
    getItem: function (key) { return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null; },
    setItem: function (key, value) { memory[key] = String(value); },
    removeItem: function (key) { delete memory[key]; },
    clear: function () { memory = {}; },
    get length() { return Object.keys(memory).length; }
  };

  function makeFetcher(token, purpose) {
    return function fetcher(params, options) {
      var headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        // The CSRF rule: requests a browser could send without preflight need this header.
        "X-HMSDESK-Client": "explorer"
      };
      if (token) { headers["Authorization"] = "Bearer " + token; }
      if (purpose) { headers["X-Access-Purpose"] = purpose; }
      var extra = (options && options.headers) || {};
      Object.keys(extra).forEach(function (key) { headers[key] = extra[key]; });
      return fetch("/graphql", {
        method: "POST",
        headers: headers,
        body: JSON.stringify(params),
        credentials: "omit"
      }).then(function (response) { return response.json(); });
    };
  }

  var welcome = "# HMSDESK Graph explorer: paste a token above; to read\n" +
    "# personal data add a purpose (every such read is audited).\n" +
    "# The other tabs are the committed client operations.\n" +
    "query cities {\n  cities {\n    slug\n    name\n  }\n}\n";
  var tabs = [{ query: welcome }].concat(
    operations.map(function (op) { return { query: op.query, variables: "{}" }; })
  );
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));

  function render() {
    root.render(React.createElement(GraphiQL, {
      // A new key remounts GraphiQL, so the schema is fetched again as the new viewer.
      key: credentials.token + "\u0000" + credentials.purpose,
      fetcher: makeFetcher(credentials.token, credentials.purpose),
      defaultTabs: tabs,
      storage: storage,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: "variables"
    }));
  }

  document.getElementById("hmsdesk-credentials").addEventListener("submit", function (event) {
    event.preventDefault();
    credentials.token = document.getElementById("hmsdesk-token").value.trim();
    credentials.purpose = document.getElementById("hmsdesk-purpose").value.trim();
    document.getElementById("hmsdesk-viewer").textContent = credentials.token
      ? (credentials.purpose ? "token + purpose" : "token, no purpose") : "anonymous";
    render();
  });
  render();
})();
