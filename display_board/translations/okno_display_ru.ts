<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>BoardView</name>
    <message>
        <source>Ticket</source>
        <extracomment>the board&apos;s colours (dark, for a TV across a hall); pairs are checked for contrast in tests</extracomment>
        <translation>Талон</translation>
    </message>
    <message>
        <source>Go to</source>
        <translation>Куда пройти</translation>
    </message>
    <message>
        <source>Also called</source>
        <translation>Также вызваны</translation>
    </message>
    <message>
        <source>Called earlier</source>
        <translation>Ранее вызваны</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>Очередь</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Ожидают</translation>
    </message>
    <message>
        <source>wait about %1 min</source>
        <translation>ожидание ≈ %1 мин</translation>
    </message>
    <message>
        <source>wait under a minute</source>
        <translation>ожидание меньше минуты</translation>
    </message>
    <message>
        <source>wait time unknown</source>
        <translation>время ожидания уточняется</translation>
    </message>
    <message>
        <source>no queue</source>
        <translation>без очереди</translation>
    </message>
    <message>
        <source>no connection</source>
        <translation>нет связи</translation>
    </message>
    <message>
        <source>sound off</source>
        <translation>звук выключен</translation>
    </message>
    <message>
        <source>This board is not allowed on the server. Please tell the administrator.</source>
        <translation>Табло не допущено к серверу. Сообщите администратору.</translation>
    </message>
    <message>
        <source>Connecting to the server…</source>
        <translation>Подключение к серверу…</translation>
    </message>
    <message>
        <source>Zone not found in the office:</source>
        <translation>В офисе нет зоны:</translation>
    </message>
    <message>
        <source>Please wait for your number</source>
        <translation>Ожидайте вызова своего номера</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Administrator PIN</source>
        <translation>ПИН администратора</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ОК</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>Неверный ПИН</translation>
    </message>
</context>
</TS>
