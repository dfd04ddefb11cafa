import { render } from 'preact';
import { App } from './app.tsx';
import { applyTheme } from './lib/theme.ts';
import { registerPages } from './pages/index.ts';
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/tables.css';
import './styles/forms.css';
import './styles/charts.css';

applyTheme();
registerPages();
const root = document.getElementById('app');
if (root) render(<App />, root);
