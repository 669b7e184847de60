import { notifications } from '@mantine/notifications';
import i18next from 'i18next';

const closeButtonProps = () => ({ 'aria-label': i18next.t('common.close') });

export function notifySuccess(message: string): void {
  notifications.show({ message, color: 'teal', autoClose: 4000, closeButtonProps: closeButtonProps() });
}

export function notifyFailure(message: string): void {
  // role="alert" is on Mantine's notification; failures stay until dismissed or 8 s.
  notifications.show({ message, color: 'red', autoClose: 8000, closeButtonProps: closeButtonProps() });
}
