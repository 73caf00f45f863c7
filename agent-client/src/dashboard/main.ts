import '../common/staff.css';
import { byId } from '../common/dom';
import { startStaffApp } from '../common/staff-app';

const roleNotice = byId('role-notice', HTMLElement);
const content = byId('dashboard-content', HTMLElement);

startStaffApp({
  app: 'dashboard',
  onConnected: (hello) => {
    // The server decides what a role may see; this only avoids showing agents an empty page.
    const supervisor = hello.role === 'supervisor' || hello.role === 'admin';
    roleNotice.hidden = supervisor;
    content.hidden = !supervisor;
  },
  onSignedOut: () => {
    roleNotice.hidden = true;
    content.hidden = true;
  },
});
