import '../common/staff.css';
import { startStaffApp } from '../common/staff-app';

startStaffApp({ app: 'console' });
