/** The widget's interface text, in the languages the `lang` attribute may pick. */
export type WidgetLang = 'en' | 'es';

export interface WidgetStrings {
  launcher: string;
  title: string;
  close: string;
  intro: string;
  connecting: string;
  connected: string;
  reconnecting: string;
  ended: string;
  startNew: string;
  replaced: string;
  continueHere: string;
  unavailable: string;
  tryAgain: string;
  noticeLabel: string;
}

export const STRINGS: Readonly<Record<WidgetLang, WidgetStrings>> = {
  en: {
    launcher: 'Chat with us',
    title: 'Chat with us',
    close: 'Close chat',
    intro: 'Chat with a Virtual Employment Specialist about unemployment insurance, finding work or hiring.',
    connecting: 'Connecting…',
    connected: 'Connected',
    reconnecting: 'Reconnecting…',
    ended: 'This chat has ended.',
    startNew: 'Start a new chat',
    replaced: 'This chat is open in another window or tab.',
    continueHere: 'Continue here',
    unavailable: 'Chat is not available right now. Please try again later.',
    tryAgain: 'Try again',
    noticeLabel: 'Notice',
  },
  es: {
    launcher: 'Chatear con nosotros',
    title: 'Chatear con nosotros',
    close: 'Cerrar el chat',
    intro:
      'Chatee con un especialista virtual de empleo sobre el seguro de desempleo, la búsqueda de trabajo o la contratación.',
    connecting: 'Conectando…',
    connected: 'Conectado',
    reconnecting: 'Reconectando…',
    ended: 'Este chat ha terminado.',
    startNew: 'Iniciar un chat nuevo',
    replaced: 'Este chat está abierto en otra ventana o pestaña.',
    continueHere: 'Continuar aquí',
    unavailable: 'El chat no está disponible en este momento. Inténtelo de nuevo más tarde.',
    tryAgain: 'Intentar de nuevo',
    noticeLabel: 'Aviso',
  },
};

/** `lang` attribute (or the page's language) to a supported language; English otherwise. */
export function pickLang(attr: string | null, pageLang = ''): WidgetLang {
  const l = (attr ?? pageLang).trim().toLowerCase();
  return l === 'es' || l.startsWith('es-') ? 'es' : 'en';
}
