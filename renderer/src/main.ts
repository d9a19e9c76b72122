import { mount } from 'svelte';
import App from './App.svelte';
import { store } from './lib/store.svelte.js';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('The popover page has no #app element.');

store.start();
mount(App, { target });
