// Mixdown studio: a page over the HTTP API (Docs/api.md), nothing else. No framework, no build step, no
// request to another host; every value from the server or the user reaches the page as text, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  // Recipes the studio offers. Every input is an upload (a recipe sent over the network cannot read the
  // server's files); the browser test validates each one through the API.
  const EXAMPLES = [
    {
      title: "Clean up speech",
      text: `version: 1
kind: edit
name: speech-cleanup
params:
  lufs: -16
inputs:
  voice: { upload: true }
steps:
  - highpass: { freq: 80Hz }
  - denoise: { amount: 12dB }
  - compress: { threshold: -20dB, ratio: 3, attack: 10ms, release: 200ms, makeup: 2dB }
  - fade: { in: 300ms, out: 1s }
  - loudnorm: { target: "\${lufs}", true_peak: -1.5 }
outputs:
  episode: { format: mp3, bitrate: 192k }
`,
    },
    {
      title: "Quick preview (EQ, boost, limiter)",
      text: `version: 1
kind: edit
name: quick-preview
params:
  boost: 3
inputs:
  voice: { upload: true }
steps:
  - highpass: 80
  - eq: { bands: [{ freq: 200Hz, gain: -3dB, width: 1.2 }, { freq: 3kHz, gain: 2dB }] }
  - gain: "\${boost}dB"
  - limit: { ceiling: -1dB }
outputs:
  auditioned: { format: mp3, bitrate: 128k }
`,
    },
    {
      title: "Voice over a ducked music bed",
      text: `version: 1
kind: edit
name: music-bed-ducking
inputs:
  voice: { upload: true }
  bed: { upload: true }
steps:
  - id: speech
    from: voice
    highpass: 90Hz
  - id: ducked
    from: bed
    duck: { by: speech, amount: -15dB, threshold: -35dB }
  - id: mixed
    mix: { tracks: [speech, ducked], weights: [1, 0.6], duration: first }
  - loudnorm: { target: -16, true_peak: -1.5 }
outputs:
  episode: { format: m4a, bitrate: 160k }
`,
    },
    {
      title: "Waveform video",
      text: `version: 1
kind: render
name: waveform-video
params:
  title: "My episode"
inputs:
  voice: { upload: true }
steps:
  - id: picture
    from: voice
    visualize: { style: waveform, size: 1280x720, fps: 25, color: "#ffd166" }
  - title: { text: "\${title}", position: top, size: 56 }
outputs:
  video: { format: mp4 }
`,
    },
  ];

  const WAVEFORM_RECIPE = `version: 1
kind: edit
name: studio-waveform
inputs:
  audio: { upload: true }
steps:
  - id: wave
    from: audio
    peaks: { points: 600 }
outputs:
  peaks: { from: wave }
`;

  const state = {
    key: sessionStorage.getItem("mixdown.apiKey") || "",
    limits: null,
    assets: [],
    peaks: new Map(),
    validation: null,
    validateTimer: 0,
    validateSequence: 0,
    cursors: [""],
    nextCursor: null,
    current: null,
    waveforms: new Set(),
    listTimer: 0,
  };

  // ---------------------------------------------------------------- HTTP

  class APIError extends Error {
    constructor(status, problem) {
      super(describe(status, problem));
      this.status = status;
      this.problem = problem;
    }
  }

  function describe(status, problem) {
    if (problem && typeof problem === "object") {
      const detail = problem.detail || problem.title || `HTTP ${status}`;
      return problem.code ? `${detail} (${problem.code})` : detail;
    }
    return status ? `The server answered HTTP ${status}.` : "The server cannot be reached.";
  }

  function authHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    if (state.key) headers.Authorization = `Bearer ${state.key}`;
    return headers;
  }

  async function api(method, path, body) {
    const init = { method, headers: authHeaders() };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new APIError(0, null);
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.status === 401) keyRefused();
    if (!response.ok) throw new APIError(response.status, data);
    return data;
  }

  // Server-Sent Events through fetch, which can send the API key (EventSource cannot send headers).
  async function follow(path, onEvent) {
    let response;
    try {
      response = await fetch(path, { headers: authHeaders({ Accept: "text/event-stream" }) });
    } catch {
      throw new APIError(0, null);
    }
    if (response.status === 401) keyRefused();
    if (!response.ok || !response.body) throw new APIError(response.status, null);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      // Lines may end in CR LF or CR as well as LF (the event stream format allows all three).
      buffer = (buffer + (done ? decoder.decode() + "\n\n" : decoder.decode(value, { stream: true }))).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length === 0) continue;
        let parsed;
        try { parsed = JSON.parse(data.join("\n")); } catch { continue; }
        if (onEvent(event, parsed) === false || event === "end") {
          reader.cancel().catch(() => {});
          return;
        }
      }
      if (done) return;
    }
  }

  // ---------------------------------------------------------------- API key

  function keyRefused() {
    const panel = $("key-panel");
    const opening = panel.hidden;
    panel.hidden = false;
    $("key-message").textContent = state.key
      ? "The server refused this API key (401). Check it and enter it again."
      : "This server needs an API key. Enter one to continue.";
    $("key-status").textContent = state.key ? "API key refused" : "API key needed";
    // Focus moves once, when the prompt opens, not on every refused background request.
    if (opening) $("key-input").focus();
  }

  function showKeyStatus() {
    $("key-status").textContent = state.key ? "Using an API key" : "";
  }

  async function saveKey() {
    const key = $("key-input").value.trim();
    if (!key) {
      $("key-message").textContent = "Enter a key first.";
      return;
    }
    state.key = key;
    sessionStorage.setItem("mixdown.apiKey", state.key);
    $("key-input").value = "";
    if (await start()) {
      $("key-panel").hidden = true;
      showKeyStatus();
    }
  }

  // ---------------------------------------------------------------- limits and uploads

  function bytesText(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  }

  function durationText(seconds) {
    if (!Number.isFinite(seconds)) return "?";
    const whole = Math.round(seconds);
    const hours = Math.floor(whole / 3600);
    const minutes = Math.floor((whole % 3600) / 60);
    const rest = whole % 60;
    if (hours) return `${hours} h ${minutes} min`;
    if (minutes) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
    return `${seconds < 10 ? seconds.toFixed(1) : whole} s`;
  }

  function showLimits() {
    const limits = state.limits;
    $("caps").textContent = `Up to ${bytesText(limits.maxUploadBytes)} and ${durationText(limits.maxDurationSeconds)} per file.`;
    $("preview-length").max = String(limits.maxPreviewSeconds);
  }

  // The browser reads the duration from the file's header when it can; the server checks it again.
  function localDuration(file) {
    return new Promise((resolve) => {
      const probe = document.createElement(file.type.startsWith("video/") ? "video" : "audio");
      const url = URL.createObjectURL(file);
      const done = (value) => { URL.revokeObjectURL(url); resolve(value); };
      probe.preload = "metadata";
      probe.onloadedmetadata = () => done(Number.isFinite(probe.duration) ? probe.duration : null);
      probe.onerror = () => done(null);
      probe.src = url;
    });
  }

  function setUploadProgress(fraction) {
    const percent = Math.round(Math.min(Math.max(fraction, 0), 1) * 100);
    $("upload-progress").value = percent;
    $("upload-percent").textContent = `${percent}%`;
  }

  async function upload(file) {
    $("upload-error").textContent = "";
    setUploadProgress(0);
    const limits = state.limits;
    if (limits && file.size > limits.maxUploadBytes) {
      $("upload-error").textContent = `${file.name} is ${bytesText(file.size)}; files can be at most ${bytesText(limits.maxUploadBytes)}.`;
      return;
    }
    const duration = await localDuration(file);
    if (limits && duration !== null && duration > limits.maxDurationSeconds) {
      $("upload-error").textContent = `${file.name} lasts ${durationText(duration)}; files can last at most ${durationText(limits.maxDurationSeconds)}.`;
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", `/v1/uploads?filename=${encodeURIComponent(file.name)}`);
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    let events = 0;
    request.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      events += 1;
      $("upload-progress").dataset.events = String(events);
      setUploadProgress(event.loaded / event.total);
    };
    request.onerror = () => { $("upload-error").textContent = "The upload failed: the server cannot be reached."; };
    request.onload = () => {
      let body = null;
      try { body = JSON.parse(request.responseText); } catch { body = null; }
      if (request.status === 401) keyRefused();
      if (request.status !== 201 || !body) {
        setUploadProgress(0);
        $("upload-error").textContent = `The upload was refused: ${describe(request.status, body)}`;
        return;
      }
      setUploadProgress(1);
      addAsset({ id: body.id, name: body.name, durationSeconds: body.durationSeconds, streamUrl: body.streamUrl });
    };
    request.send(file);
  }

  // ---------------------------------------------------------------- assets, player, waveform

  function addAsset(asset) {
    if (!state.assets.some((known) => known.id === asset.id)) state.assets.unshift(asset);
    renderAssets(asset.id);
    chooseAsset(asset.id);
    renderInputs();
  }

  function renderAssets(selected) {
    const select = $("asset");
    select.replaceChildren();
    for (const asset of state.assets) {
      const option = document.createElement("option");
      option.value = asset.id;
      option.textContent = `${asset.name} (${durationText(asset.durationSeconds)})`;
      option.selected = asset.id === selected;
      select.append(option);
    }
  }

  function currentAsset() {
    return state.assets.find((asset) => asset.id === $("asset").value) || null;
  }

  async function chooseAsset(id) {
    const asset = state.assets.find((known) => known.id === id);
    if (!asset) return;
    $("asset-player").src = asset.streamUrl;
    drawWaveform();
    if (state.peaks.has(id) || state.waveforms.has(id)) return;
    state.waveforms.add(id);
    $("waveform-status").textContent = "Reading the waveform…";
    try {
      const job = await api("POST", "/v1/jobs", { recipe: WAVEFORM_RECIPE, name: "studio-waveform", inputs: { audio: id } });
      scheduleJobList();
      const ended = await untilEnd(job);
      const output = ended.status === "succeeded" && ended.result && ended.result.outputs[0];
      if (!output) throw new Error(ended.error ? ended.error.message : `the waveform job ${ended.status}`);
      const response = await fetch(output.downloadUrl);
      if (!response.ok) throw new APIError(response.status, null);
      state.peaks.set(id, await response.json());
      if (currentAsset() && currentAsset().id === id) {
        $("waveform-status").textContent = "Drag on the waveform, or type below, to choose the preview window.";
        drawWaveform();
      }
    } catch (error) {
      $("waveform-status").textContent = `No waveform: ${error.message}`;
    } finally {
      state.waveforms.delete(id);
    }
  }

  function previewWindow() {
    const start = Math.max(Number($("preview-start").value) || 0, 0);
    const length = Math.max(Number($("preview-length").value) || 0, 0.1);
    return { start, duration: length };
  }

  function drawWaveform() {
    const canvas = $("waveform");
    const asset = currentAsset();
    const width = Math.max(canvas.clientWidth, 1) * (window.devicePixelRatio || 1);
    const height = canvas.height;
    canvas.width = Math.round(width);
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, height);
    const peaks = asset && state.peaks.get(asset.id);
    canvas.dataset.drawn = peaks ? "true" : "false";
    if (!peaks || !Array.isArray(peaks.peaks) || peaks.peaks.length === 0) return;
    const total = peaks.durationSeconds || asset.durationSeconds || 1;
    const span = previewWindow();
    context.fillStyle = "rgba(11, 92, 173, 0.18)";
    const from = (span.start / total) * canvas.width;
    context.fillRect(from, 0, Math.max((span.duration / total) * canvas.width, 1), height);
    context.fillStyle = "#0b5cad";
    const step = canvas.width / peaks.peaks.length;
    peaks.peaks.forEach((pair, index) => {
      const low = Math.max(-1, Math.min(1, Number(pair[0]) || 0));
      const high = Math.max(-1, Math.min(1, Number(pair[1]) || 0));
      const top = ((1 - high) / 2) * height;
      const bottom = ((1 - low) / 2) * height;
      context.fillRect(index * step, top, Math.max(step - 0.5, 0.5), Math.max(bottom - top, 1));
    });
  }

  function dragWindow() {
    const canvas = $("waveform");
    let anchor = null;
    const seconds = (event) => {
      const asset = currentAsset();
      const peaks = asset && state.peaks.get(asset.id);
      const total = (peaks && peaks.durationSeconds) || (asset && asset.durationSeconds) || 0;
      const box = canvas.getBoundingClientRect();
      return Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1) * total;
    };
    canvas.addEventListener("pointerdown", (event) => {
      anchor = seconds(event);
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (anchor === null) return;
      const here = seconds(event);
      const start = Math.min(anchor, here);
      const length = Math.abs(here - anchor);
      $("preview-start").value = start.toFixed(1);
      if (length >= 0.1) $("preview-length").value = Math.min(length, state.limits ? state.limits.maxPreviewSeconds : 600).toFixed(1);
      drawWaveform();
    });
    const stop = () => { anchor = null; };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
  }

  // ---------------------------------------------------------------- recipe editor

  function renderGutter(errorLines) {
    const lines = $("recipe").value.split("\n").length;
    const gutter = $("gutter");
    gutter.replaceChildren();
    for (let line = 1; line <= lines; line += 1) {
      const number = document.createElement("div");
      number.textContent = String(line);
      number.dataset.line = String(line);
      if (errorLines.has(line)) number.className = "error";
      gutter.append(number);
    }
    gutter.scrollTop = $("recipe").scrollTop;
  }

  function diagnostics(problem) {
    if (problem && Array.isArray(problem.errors) && problem.errors.length) return problem.errors;
    if (problem && typeof problem === "object") {
      return [{ message: problem.detail || problem.title || "invalid", code: problem.code, location: problem.location }];
    }
    return [{ message: "The server cannot be reached." }];
  }

  function showErrors(errors) {
    const list = $("recipe-errors");
    list.replaceChildren();
    const lines = new Set();
    for (const error of errors) {
      const item = document.createElement("li");
      const location = error.location;
      if (location && Number.isInteger(location.line)) {
        lines.add(location.line);
        item.dataset.line = String(location.line);
        item.dataset.column = String(location.column || 1);
        const jump = document.createElement("button");
        jump.type = "button";
        jump.textContent = `Line ${location.line}, column ${location.column || 1}`;
        jump.addEventListener("click", () => moveCaret(location.line, location.column || 1));
        item.append(jump, document.createTextNode(`: ${error.message}`));
      } else {
        item.textContent = error.message;
      }
      if (error.code) item.dataset.code = error.code;
      list.append(item);
    }
    renderGutter(lines);
  }

  function moveCaret(line, column) {
    const editor = $("recipe");
    const lines = editor.value.split("\n");
    let offset = 0;
    for (let index = 0; index < line - 1 && index < lines.length; index += 1) offset += lines[index].length + 1;
    offset += Math.max(column - 1, 0);
    editor.focus();
    editor.setSelectionRange(offset, offset);
  }

  function scheduleValidation() {
    clearTimeout(state.validateTimer);
    renderGutter(new Set());
    state.validateTimer = setTimeout(validate, 400);
  }

  async function validate() {
    const sequence = ++state.validateSequence;
    const text = $("recipe").value;
    $("recipe-status").textContent = "Checking…";
    try {
      const result = await api("POST", "/v1/recipes/validate?draft=true", { recipe: text, name: "recipe.yaml" });
      if (sequence !== state.validateSequence) return;
      state.validation = result;
      $("recipe-status").textContent = `Valid ${result.kind} recipe: ${result.outputs.length} output${result.outputs.length === 1 ? "" : "s"}.`;
      $("recipe-status").dataset.valid = "true";
      showErrors([]);
    } catch (error) {
      if (sequence !== state.validateSequence) return;
      state.validation = null;
      $("recipe-status").dataset.valid = "false";
      const errors = error instanceof APIError ? diagnostics(error.problem) : [{ message: error.message }];
      $("recipe-status").textContent = `${errors.length} problem${errors.length === 1 ? "" : "s"} in the recipe.`;
      showErrors(errors);
    }
    renderInputs();
    renderParams();
    renderActions();
  }

  // Empties a fieldset down to its legend, then adds a labelled control (made by `make`) for each name.
  function fillFieldset(fields, legend, prefix, names, make) {
    const title = document.createElement("legend");
    title.textContent = legend;
    fields.replaceChildren(title);
    fields.classList.toggle("empty", names.length === 0);
    for (const name of names) {
      const label = document.createElement("label");
      label.htmlFor = `${prefix}-${name}`;
      label.textContent = name;
      const control = make(name);
      control.id = `${prefix}-${name}`;
      control.name = name;
      fields.append(label, control);
    }
  }

  function renderParams() {
    const fields = $("params-fields");
    // Only values the author typed are kept (and sent); the others follow the recipe's defaults.
    const previous = new Map();
    for (const input of fields.querySelectorAll("input")) if (input.dataset.changed === "true") previous.set(input.name, input.value);
    const params = (state.validation && state.validation.params) || {};
    fillFieldset(fields, "Parameters", "param", Object.keys(params).sort(), (name) => {
      const input = document.createElement("input");
      input.type = "text";
      input.value = previous.has(name) ? previous.get(name) : params[name];
      if (previous.has(name)) input.dataset.changed = "true";
      input.addEventListener("input", () => { input.dataset.changed = "true"; });
      return input;
    });
  }

  function renderInputs() {
    const fields = $("inputs-fields");
    const previous = new Map();
    for (const select of fields.querySelectorAll("select")) previous.set(select.name, select.value);
    const uploads = (state.validation && state.validation.uploads) || [];
    fillFieldset(fields, "Files for the recipe's uploads", "input", uploads, (name) => {
      const select = document.createElement("select");
      for (const asset of state.assets) {
        const option = document.createElement("option");
        option.value = asset.id;
        option.textContent = asset.name;
        select.append(option);
      }
      const kept = previous.get(name);
      select.value = kept && state.assets.some((asset) => asset.id === kept) ? kept : $("asset").value;
      return select;
    });
    renderActions();
  }

  function renderActions() {
    const validation = state.validation;
    const ready = Boolean(validation) && validation.uploads.every(() => state.assets.length > 0);
    $("preview").disabled = !ready || validation.kind !== "edit";
    $("run").disabled = !ready;
    $("run").textContent = validation ? { edit: "Save", render: "Render", ingest: "Ingest" }[validation.kind] || "Run" : "Save";
  }

  function recipeName(text) {
    const match = /^name:\s*["']?([A-Za-z0-9 _.-]{1,100})/m.exec(text);
    return match ? match[1].trim() : "studio";
  }

  async function submit(preview) {
    $("submit-error").textContent = "";
    const text = $("recipe").value;
    const params = new Map();
    const inputs = new Map();
    for (const input of $("params-fields").querySelectorAll("input")) if (input.dataset.changed === "true") params.set(input.name, input.value);
    for (const select of $("inputs-fields").querySelectorAll("select")) inputs.set(select.name, select.value);
    const body = { recipe: text, name: recipeName(text), params: Object.fromEntries(params), inputs: Object.fromEntries(inputs) };
    if (preview) body.preview = previewWindow();
    try {
      const job = await api("POST", "/v1/jobs", body);
      track(job, preview);
    } catch (error) {
      $("submit-error").textContent = error.message;
      if (error instanceof APIError && error.problem && Array.isArray(error.problem.errors)) showErrors(error.problem.errors);
    }
  }

  // ---------------------------------------------------------------- jobs

  async function untilEnd(job) {
    let last = job;
    if (["succeeded", "failed", "cancelled"].includes(job.status)) return job;
    await follow(job.links.events, (event, data) => {
      last = data;
      updateRow(data);
    });
    return last;
  }

  // Follows the job shown under Result to its end, and returns it as it ended. One stream a job the
  // page started: a browser allows six connections to a host, and streams hold theirs.
  async function track(job, isPreview) {
    state.current = job.id;
    showJob(job);
    scheduleJobList();
    let last = job;
    try {
      await follow(job.links.events, (event, data) => {
        last = data;
        updateRow(data);
        if (state.current === job.id) showJob(data, isPreview);
      });
    } catch (error) {
      if (state.current === job.id) $("job-error").textContent = `Lost the job's progress: ${error.message}`;
    }
    scheduleJobList();
    return last;
  }

  function showJob(job, autoplay) {
    const percent = Math.round((job.progress || 0) * 100);
    $("job-status").textContent = `${job.recipeName} (${job.type}): ${job.status}${job.stage ? `, ${job.stage}` : ""}`;
    $("job-status").dataset.status = job.status;
    $("job-progress").value = percent;
    $("job-percent").textContent = `${percent}%`;
    $("job-error").textContent = job.error ? `${job.error.message} (${job.error.code})` : "";
    const outputs = $("job-outputs");
    if (job.status !== "succeeded" && !(job.error && job.error.rejected)) {
      outputs.replaceChildren();
      delete outputs.dataset.job;
      return;
    }
    if (outputs.dataset.job === job.id) return;
    outputs.dataset.job = job.id;
    outputs.replaceChildren();
    const list = job.status === "succeeded" ? job.result.outputs : job.error.rejected;
    let played = false;
    for (const output of list) {
      const block = document.createElement("div");
      block.className = "output";
      const title = document.createElement("p");
      title.textContent = `${output.name} (${output.contentType}, ${bytesText(output.bytes)}${output.durationSeconds ? `, ${durationText(output.durationSeconds)}` : ""})`;
      block.append(title);
      const kind = output.contentType.split("/")[0];
      if (kind === "audio" || kind === "video") {
        const player = document.createElement(kind);
        player.controls = true;
        player.preload = "auto";
        player.src = output.streamUrl;
        player.dataset.output = output.name;
        block.append(player);
        if (autoplay && !played) {
          played = true;
          player.play().catch(() => {});
        }
      } else if (kind === "image") {
        const image = document.createElement("img");
        image.src = output.streamUrl;
        image.alt = output.name;
        image.style.maxWidth = "100%";
        block.append(image);
      }
      const link = document.createElement("a");
      link.href = output.downloadUrl;
      link.textContent = `Download ${output.name}`;
      link.dataset.output = output.name;
      block.append(link);
      outputs.append(block);
    }
  }

  function scheduleJobList() {
    clearTimeout(state.listTimer);
    state.listTimer = setTimeout(loadJobs, 150);
  }

  async function loadJobs() {
    const query = new URLSearchParams({ limit: "10" });
    if ($("filter-type").value) query.set("type", $("filter-type").value);
    if ($("filter-status").value) query.set("status", $("filter-status").value);
    const cursor = state.cursors[state.cursors.length - 1];
    if (cursor) query.set("cursor", cursor);
    try {
      const page = await api("GET", `/v1/jobs?${query}`);
      $("jobs-error").textContent = "";
      state.nextCursor = page.nextCursor || null;
      const body = $("jobs").tBodies[0];
      body.replaceChildren(...page.jobs.map(jobRow));
      $("jobs-older").disabled = !state.nextCursor;
      $("jobs-newer").disabled = state.cursors.length <= 1;
      // Rows of jobs that have not ended are read again every 3 s rather than each holding an event
      // stream: a list of ten running jobs would take every connection the browser allows the host.
      if (page.jobs.some((job) => job.status === "queued" || job.status === "running")) {
        clearTimeout(state.listTimer);
        state.listTimer = setTimeout(loadJobs, 3000);
      }
    } catch (error) {
      $("jobs-error").textContent = `The job list cannot be read: ${error.message}`;
    }
  }

  function jobRow(job) {
    const row = document.createElement("tr");
    row.dataset.job = job.id;
    fillRow(row, job);
    return row;
  }

  function updateRow(job) {
    const row = $("jobs").tBodies[0].querySelector(`tr[data-job="${CSS.escape(job.id)}"]`);
    if (row) fillRow(row, job);
  }

  function fillRow(row, job) {
    row.dataset.status = job.status;
    const cells = [job.recipeName, job.type, job.status, `${Math.round((job.progress || 0) * 100)}%`, new Date(job.createdAt).toLocaleString()];
    row.replaceChildren();
    cells.forEach((text, index) => {
      const cell = document.createElement("td");
      cell.textContent = text;
      if (index === 2) cell.className = `status-${job.status}`;
      row.append(cell);
    });
    const actions = document.createElement("td");
    const box = document.createElement("div");
    box.className = "row outputs";
    const label = `${job.recipeName}, ${job.id}`;
    if (job.status === "queued" || job.status === "running") {
      box.append(button("Cancel", `Cancel ${label}`, "cancel", (element) => act(job, "cancel", element)));
    }
    if (job.status === "failed" || job.status === "cancelled") {
      box.append(button("Retry", `Retry ${label}`, "retry", (element) => act(job, "retry", element)));
    }
    if (job.status === "succeeded" && job.result) {
      for (const output of job.result.outputs) {
        const link = document.createElement("a");
        link.href = output.downloadUrl;
        link.textContent = `Download ${output.name}`;
        link.setAttribute("aria-label", `Download ${output.name} of ${label}`);
        box.append(link);
      }
    }
    actions.append(box);
    row.append(actions);
  }

  function button(text, label, action, handler) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "secondary";
    element.textContent = text;
    element.dataset.action = action;
    element.setAttribute("aria-label", label);
    element.addEventListener("click", () => {
      // One request a click: a double click must not send two.
      element.disabled = true;
      handler(element);
    });
    return element;
  }

  async function act(job, action, element) {
    try {
      const result = await api("POST", `/v1/jobs/${encodeURIComponent(job.id)}/${action}`);
      if (action === "retry") track(result, result.type === "preview");
      else updateRow(result);
    } catch (error) {
      $("jobs-error").textContent = `${action === "retry" ? "Retry" : "Cancel"} failed: ${error.message}`;
      element.disabled = false;
    }
    scheduleJobList();
  }

  // ---------------------------------------------------------------- start

  function loadExamples() {
    const select = $("example");
    EXAMPLES.forEach((example, index) => {
      const option = document.createElement("option");
      option.value = String(index);
      option.textContent = example.title;
      select.append(option);
    });
    select.addEventListener("change", () => {
      const example = EXAMPLES[Number(select.value)];
      if (!example) return;
      $("recipe").value = example.text;
      scheduleValidation();
    });
    $("recipe").value = EXAMPLES[0].text;
  }

  function fetchLink() {
    const link = $("url").value.trim();
    $("url-error").textContent = "";
    let url;
    try { url = new URL(link); } catch { url = null; }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      $("url-error").textContent = "Paste an http or https link.";
      return;
    }
    const youtube = /(^|\.)(youtube\.com|youtu\.be)$/i.test(url.hostname);
    // JSON is YAML: a JSON string is a safely quoted YAML scalar whatever the link holds.
    const recipe = `version: 1
kind: ingest
name: studio-link
inputs:
  source: { ${youtube ? "youtube" : "url"}: ${JSON.stringify(link)} }
outputs:
  audio: { from: source, format: flac }
`;
    api("POST", "/v1/jobs", { recipe, name: "studio-link" })
      .then(async (job) => {
        const ended = await track(job, false);
        const output = ended.status === "succeeded" && ended.result && ended.result.outputs.find((item) => item.contentType.startsWith("audio/"));
        if (output) addAsset({ id: output.assetId, name: output.name, durationSeconds: output.durationSeconds, streamUrl: output.streamUrl });
        else $("url-error").textContent = ended.error ? `${ended.error.message} (${ended.error.code})` : `The link's job ${ended.status}.`;
      })
      .catch((error) => { $("url-error").textContent = error.message; });
  }

  function wire() {
    $("key-open").addEventListener("click", () => {
      $("key-panel").hidden = false;
      $("key-message").textContent = "The key is kept in this tab's session storage and sent with every request.";
      $("key-input").focus();
    });
    $("key-save").addEventListener("click", saveKey);
    $("key-close").addEventListener("click", () => { $("key-panel").hidden = true; $("key-open").focus(); });
    $("key-panel").addEventListener("keydown", (event) => {
      if (event.key === "Escape") { $("key-panel").hidden = true; $("key-open").focus(); }
    });
    $("key-input").addEventListener("keydown", (event) => { if (event.key === "Enter") saveKey(); });
    const drop = $("drop");
    drop.addEventListener("click", () => $("file").click());
    drop.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); $("file").click(); }
    });
    drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) upload(file);
    });
    $("file").addEventListener("change", () => {
      const file = $("file").files[0];
      // Cleared, so choosing the same file again uploads it again.
      $("file").value = "";
      if (file) upload(file);
    });
    $("fetch-url").addEventListener("click", fetchLink);
    $("asset").addEventListener("change", () => { chooseAsset($("asset").value); renderInputs(); });
    $("preview-start").addEventListener("input", drawWaveform);
    $("preview-length").addEventListener("input", drawWaveform);
    window.addEventListener("resize", drawWaveform);
    dragWindow();
    const editor = $("recipe");
    editor.addEventListener("input", scheduleValidation);
    editor.addEventListener("scroll", () => { $("gutter").scrollTop = editor.scrollTop; });
    $("preview").addEventListener("click", () => submit(true));
    $("run").addEventListener("click", () => submit(false));
    for (const id of ["filter-type", "filter-status"]) {
      $(id).addEventListener("change", () => { state.cursors = [""]; loadJobs(); });
    }
    $("jobs-refresh").addEventListener("click", loadJobs);
    $("jobs-older").addEventListener("click", () => { if (state.nextCursor) { state.cursors.push(state.nextCursor); loadJobs(); } });
    $("jobs-newer").addEventListener("click", () => { if (state.cursors.length > 1) { state.cursors.pop(); loadJobs(); } });
  }

  // Reads the server's limits (the first keyed request: it tells whether the key works), then the rest.
  async function start() {
    try {
      state.limits = await api("GET", "/v1/limits");
    } catch (error) {
      if (!(error instanceof APIError) || error.status !== 401) $("key-status").textContent = `The API cannot be reached: ${error.message}`;
      document.body.dataset.ready = "false";
      return false;
    }
    showLimits();
    showKeyStatus();
    validate();
    loadJobs();
    document.body.dataset.ready = "true";
    return true;
  }

  wire();
  loadExamples();
  renderGutter(new Set());
  start();
})();
