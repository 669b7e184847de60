import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

interface ConfirmButtonProps extends Omit<ButtonProps, 'onClick'> {
  /** What the button says. */
  children: ReactNode;
  /** The dialog's title and the sentence that says what will happen. */
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
  'aria-label'?: string;
}

/** A destructive action asks first; the dialog's focus starts on "Cancel". */
export function ConfirmButton({
  children,
  title,
  message,
  confirmLabel,
  onConfirm,
  'aria-label': ariaLabel,
  ...buttonProps
}: ConfirmButtonProps) {
  const { t } = useTranslation();
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button color="red" variant="outline" {...buttonProps} aria-label={ariaLabel} onClick={open}>
        {children}
      </Button>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={opened}
        onClose={close}
        title={title}
        centered
      >
        <Stack>
          <Text>{message}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-autofocus>
              {t('common.cancel')}
            </Button>
            <Button
              color="red"
              onClick={() => {
                close();
                onConfirm();
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
