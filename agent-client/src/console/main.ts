import '../common/staff.css';
import './console.css';
import { ChatDesk } from './chats';
import { ConsoleController } from './controller';
import { OfferSound } from './sound';
import { TitleAlert } from './title';
import { buildConsoleUI } from './ui';
import { byId } from '../common/dom';
import { startStaffApp } from '../common/staff-app';

const ui = buildConsoleUI();
byId('signed-in-as', HTMLElement).before(ui.settings);
byId('connection-message', HTMLElement).after(ui.routing);

// offers and chat messages share the chime and the page title
const sound = new OfferSound();
const title = new TitleAlert(document);
const chats = new ChatDesk({ sound, title });
ui.offerResult.after(chats.root);

const controller = new ConsoleController(ui, {
  sound,
  title,
  openChat: (contactId) => {
    chats.focusChat(contactId);
  },
});

startStaffApp({
  app: 'console',
  onConnection: (conn) => {
    controller.attach(conn);
    chats.attach(conn);
  },
  onConnected: (hello) => {
    controller.connected(hello);
    chats.connected(hello);
  },
  onSignedOut: () => {
    controller.signedOut();
    chats.signedOut();
  },
});
