// The console's shell: sign-in, navigation and a hash router (#/jobs, #/jobs/<id>, #/new,
// #/adapters, #/playground). Each view renders into <main> and returns a function that stops its
// timers and streams when the user leaves it.
import { apiKey, onUnauthorized, signIn, signOut, verifyKey } from './api.js';
import { h, mount } from './dom.js';
import { jobDetailView, jobsView } from './views/jobs.js';
import { newJobView } from './views/newjob.js';
import { adaptersView } from './views/adapters.js';
import { playgroundView } from './views/playground.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const session = document.getElementById('session');
let leave = null;

function signInView(message) {
  nav.hidden = true;
  mount(session);
  const input = h('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off',
    placeholder: 'lf-…', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert' }, message ? [message] : []);
  const button = h('button', { type: 'submit', class: 'primary' }, ['Sign in']);
  const form = h('form', { class: 'card signin', id: 'signin-form' }, [
    h('h1', {}, ['Sign in']),
    h('p', { class: 'muted' }, ['Paste an API key of your tenant. It is kept in this browser tab only ',
      '(session storage) and sent as a Bearer token; closing the tab forgets it.']),
    h('label', { for: 'api-key' }, ['API key']), input, button, error,
  ]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    const key = input.value.trim();
    try {
      await verifyKey(key);
      signIn(key);
      if (!location.hash || location.hash === '#/' || location.hash === '#/signin') location.hash = '#/jobs';
      route();
    } catch (err) {
      mount(error, err.status === 401 ? 'That key was refused: ' + err.message : 'Could not sign in: ' + err.message);
      button.disabled = false;
    }
  });
  mount(main, form);
  input.focus();
}

function shell() {
  nav.hidden = false;
  const key = apiKey();
  mount(session, h('span', { class: 'muted', title: 'the API key of this session' },
    [`key ${key.slice(0, 6)}…${key.slice(-4)}`]),
    h('button', { type: 'button', id: 'sign-out', onclick: () => { signOut(); route(); } }, ['Sign out']));
}

function route() {
  if (leave) {
    leave();
    leave = null;
  }
  if (!apiKey()) {
    signInView();
    return;
  }
  shell();
  const parts = (location.hash.replace(/^#\/?/, '') || 'jobs').split('/').map(decodeURIComponent);
  nav.querySelectorAll('a').forEach((a) => a.classList.toggle('active', a.dataset.route === parts[0]));
  const views = {
    jobs: () => (parts[1] ? jobDetailView(main, parts[1]) : jobsView(main)),
    new: () => newJobView(main),
    adapters: () => adaptersView(main),
    playground: () => playgroundView(main),
  };
  leave = (views[parts[0]] || views.jobs)() || null;
}

onUnauthorized(() => {
  signOut();
  if (leave) {
    leave();
    leave = null;
  }
  signInView('The API key is no longer accepted (revoked?). Sign in again.');
});

window.addEventListener('hashchange', route);
route();
