import '../common/staff.css';
import './console.css';
import { ConsoleController } from './controller';
import { buildConsoleUI } from './ui';
import { byId } from '../common/dom';
import { startStaffApp } from '../common/staff-app';

const ui = buildConsoleUI();
byId('signed-in-as', HTMLElement).before(ui.settings);
byId('connection-message', HTMLElement).after(ui.routing);

const controller = new ConsoleController(ui);

startStaffApp({
  app: 'console',
  onConnection: (conn) => {
    controller.attach(conn);
  },
  onConnected: (hello) => {
    controller.connected(hello);
  },
  onSignedOut: () => {
    controller.signedOut();
  },
});
