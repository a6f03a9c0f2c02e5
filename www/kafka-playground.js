/*
 * <kafka-playground>: the Kafka Playground in a documentation page.
 *
 *   <script src="https://…/kafka-playground.js" defer></script>
 *   <kafka-playground lesson="acks" panels="cluster,producers" theme="dark" autoplay speed="10"
 *                     readonly height="auto"></kafka-playground>
 *
 * The element creates an iframe on the playground (by default, the address this script was
 * loaded from) with `?embed=1&...`, and talks to it only with postMessage, in the envelope
 * {source: "kafka-playground", version: 1, ...}. It accepts messages only from its own iframe's
 * window and the playground's origin, and posts only to that origin. No dependencies, no build.
 *
 * API: load(scenarioOrShareLinkOrLessonId), play(), pause(), runTo(ms), command(cmd), state()
 * return Promises of the playground's answer. Events (CustomEvent, `detail` carries the data):
 * ready, resize, leader-elected, record-acknowledged, anomaly.
 */
(() => {
  'use strict';
  if (customElements.get('kafka-playground')) return; // The script was included twice.

  const SOURCE = 'kafka-playground';
  const VERSION = 1;
  /** How long a request may wait for its answer (a long runTo replays the whole run). */
  const TIMEOUT_MS = 60000;
  const script = document.currentScript;
  const defaultBase = script && script.src ? new URL('./', script.src).href : new URL('./', location.href).href;
  /** Attributes that become URL parameters, as written. */
  const PARAMS = ['lesson', 'panels', 'theme', 'speed', 't', 'seed'];
  /** Attributes that are flags: present means on. */
  const FLAGS = ['autoplay', 'readonly'];

  class KafkaPlayground extends HTMLElement {
    static get observedAttributes() {
      return ['src', 'share', 'height', ...PARAMS, ...FLAGS];
    }

    constructor() {
      super();
      this._nextId = 1;
      this._pending = new Map();
      this._queue = [];
      this._connected = false;
      this._live = false;
      this._contentHeight = 0;
      this._onMessage = (event) => this._receive(event);
      const root = this.attachShadow({ mode: 'open' });
      root.innerHTML = '<style>:host{display:block;min-width:16rem}'
        + 'iframe{display:block;width:100%;height:30rem;border:0;border-radius:inherit;'
        + 'transition:height .15s ease-out}</style>';
      this._frame = document.createElement('iframe');
      this._frame.setAttribute('part', 'frame');
      root.append(this._frame);
    }

    connectedCallback() {
      this._live = true;
      window.addEventListener('message', this._onMessage);
      this._applyHeight();
      this._navigate();
    }

    disconnectedCallback() {
      this._live = false;
      window.removeEventListener('message', this._onMessage);
      this._reset(new Error('kafka-playground: the element left the page'));
      this._navigated = false;
    }

    attributeChangedCallback(name, before, after) {
      // An element upgraded with its attributes hears each of them before connectedCallback,
      // which navigates once for all of them.
      // After load() the frame shows what was loaded, not the attributes: setting one again,
      // even to the same value, brings the frame back to what the attributes say.
      if (!this._live || (before === after && !this._loaded)) return;
      if (name === 'height') this._applyHeight();
      else this._navigate();
    }

    /** The playground's address for this element's attributes. */
    get url() {
      const base = new URL(this.getAttribute('src') || defaultBase, location.href);
      const params = new URLSearchParams({ embed: '1' });
      for (const name of PARAMS) {
        if (this.hasAttribute(name)) params.set(name, this.getAttribute(name));
      }
      for (const name of FLAGS) {
        const value = this.getAttribute(name);
        if (value !== null && value !== 'false' && value !== '0') params.set(name, '1');
      }
      base.search = params.toString();
      // A share link's fragment (or a whole share link): the situation to open.
      const share = this.getAttribute('share');
      base.hash = share ? share.slice(share.indexOf('#') + 1) : '';
      return base;
    }

    /** Replaces the run: a scenario object, a share link (or its `#s=` fragment), or a lesson id. */
    load(what) {
      this._loaded = true;
      if (typeof what === 'string') {
        return /(^|#)s=/.test(what) ? this._request('load', { share: what }) : this._request('load', { lesson: what });
      }
      return this._request('load', { scenario: what });
    }

    play() { return this._request('play'); }

    pause() { return this._request('pause'); }

    /** Runs (or rewinds) to `ms` of virtual time; resolves once there. */
    runTo(ms) { return this._request('runTo', { ms }); }

    /** Any command of docs/scenarios.md, e.g. {command: "crash_broker", broker: 1}. */
    command(command) { return this._request('command', { command }); }

    /** The clock, the brokers and each partition's leader and ISR. */
    state() { return this._request('state'); }

    _navigate() {
      const url = this.url;
      this._origin = url.origin;
      // The first load cancels nothing: requests made before the element joined the page wait.
      if (this._navigated) this._reset(new Error('kafka-playground: the playground reloaded'));
      this._navigated = true;
      this._loaded = false;
      this._frame.title = this.getAttribute('title')
        || `Kafka Playground${this.hasAttribute('lesson') ? `: ${this.getAttribute('lesson')}` : ''}`;
      this._frame.src = url.href;
    }

    _applyHeight() {
      const height = this.getAttribute('height') || 'auto';
      if (height !== 'auto') this._frame.style.height = height;
      // Back to auto: the content's last height (the frame sends it only when it changes).
      else this._frame.style.height = this._contentHeight ? `${Math.ceil(this._contentHeight)}px` : '';
    }

    _reset(error) {
      this._connected = false;
      this._queue = [];
      for (const { reject, timer } of this._pending.values()) {
        clearTimeout(timer);
        reject(error);
      }
      this._pending.clear();
    }

    _request(type, fields = {}) {
      const id = this._nextId++;
      const message = { source: SOURCE, version: VERSION, id, type, ...fields };
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this._pending.delete(id);
          reject(new Error(`kafka-playground: no answer to ${type} within ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);
        this._pending.set(id, { resolve, reject, timer });
        if (this._connected || type === 'hello') this._post(message);
        else this._queue.push(message);
      });
    }

    _post(message) {
      if (this._frame.contentWindow) this._frame.contentWindow.postMessage(message, this._origin);
    }

    _receive(event) {
      // Only this element's own frame, from the playground's origin, in our envelope.
      if (event.source !== this._frame.contentWindow || event.origin !== this._origin) return;
      const data = event.data;
      if (!data || typeof data !== 'object' || data.source !== SOURCE || data.version !== VERSION) return;
      switch (data.type) {
        case 'ready':
          this._hello();
          break;
        case 'reply': {
          const pending = this._pending.get(data.id);
          if (!pending) return;
          this._pending.delete(data.id);
          clearTimeout(pending.timer);
          if (data.ok) pending.resolve(data.result);
          else pending.reject(new Error(`kafka-playground: ${data.error}`));
          break;
        }
        case 'resize':
          if (typeof data.height !== 'number' || !(data.height > 0)) return;
          this._contentHeight = data.height;
          this._applyHeight();
          this._emit('resize', { height: data.height });
          break;
        case 'event':
          if (['leader-elected', 'record-acknowledged', 'anomaly'].includes(data.name)) this._emit(data.name, data.detail);
          break;
        default:
      }
    }

    async _hello() {
      try {
        const state = await this._request('hello');
        this._connected = true;
        for (const message of this._queue.splice(0)) this._post(message);
        this._emit('ready', state);
      } catch (error) {
        // The frame went away before answering; its next `ready` says hello again.
      }
    }

    _emit(name, detail) {
      this.dispatchEvent(new CustomEvent(name, { detail }));
    }
  }

  customElements.define('kafka-playground', KafkaPlayground);
})();
